export * from './parity-database';
export * from './parity-store';
export * from './sample-evaluator';
export * from './request-cost-recorder';
export * from './evaluation-wiring';
