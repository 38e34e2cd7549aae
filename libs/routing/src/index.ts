export * from './route-plan';
export * from './model-router';
