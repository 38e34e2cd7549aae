export * from './tenant.entity';
export * from './virtual-key.entity';
export * from './virtual-key';
export * from './key-directory';
export * from './key-admin';
export * from './tenancy-database';
