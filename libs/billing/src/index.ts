export * from './deterministic-id';
export * from './ledger';
export * from './pricing-plan';
export * from './budget-lease';
export * from './billing-database';
export * from './ledger-store';
export * from './usage-charger';
export * from './outbox-relay';
