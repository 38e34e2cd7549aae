export * from './money';
export * from './price-catalog';
export * from './default-catalog';
export * from './cost';
export * from './token-estimate';
export * from './live-price-catalog';
