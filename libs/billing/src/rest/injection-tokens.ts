// What the billing API's controllers are given by startBillingApi().
export const BILLING_DB = Symbol('BillingDb');
export const BILLING_ADMIN_TOKEN = Symbol('BillingAdminToken');
/** The PlanCatalog, or null when the process was started without one (plan changes then answer 503). */
export const BILLING_PLANS = Symbol('BillingPlans');
/** Where recorded price overrides are published, or null (recording them then answers 503). */
export const BILLING_EVENTS = Symbol('BillingEvents');
