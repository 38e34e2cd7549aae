export * from './usage-record.entity';
export * from './usage-recorder';
export * from './metering-database';
export * from './usage-pricer';
export * from './usage-reconciliation';
export * from './catalog-pricer';
export * from './price-override-feed';
