export * from './route-plan';
export * from './model-router';
export * from './retry-policy';
export * from './circuit-breaker';
export * from './key-pool';
export * from './deployment-balancer';
export * from './parity-routing';
export * from './stream-message';
