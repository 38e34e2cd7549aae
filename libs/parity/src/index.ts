export * from './betting-wealth';
export * from './non-inferiority-test';
export * from './plug-in-betting-test';
export * from './drift-detector';
export * from './simulation';
