export * from './provider-connector';
export * from './deployment-pool';
export * from './adapter-registry';
