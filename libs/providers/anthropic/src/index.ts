export * from './anthropic-adapter';
export * from './anthropic-stream';
export * from './errors';
export * from './ingress-translation';
export * from './translate-request';
export * from './translate-response';
