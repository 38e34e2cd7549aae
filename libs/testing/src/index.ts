export * from './local-infra';
export * from './free-port';
export * from './service-process';
export * from './eventually';
export * from './recording-server';
export * from './wire-fixtures';
export * from './adapter-against-mock';
