export * from './provider-connector';
export * from './provider-targets';
