export * from './errors';
export * from './gemini-adapter';
export * from './gemini-stream';
export * from './translate-embeddings';
export * from './translate-request';
export * from './translate-response';
