export * from './provider-http';
