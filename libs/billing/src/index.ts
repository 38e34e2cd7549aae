export * from './deterministic-id';
export * from './ledger';
export * from './pricing-plan';
export * from './budget-lease';
