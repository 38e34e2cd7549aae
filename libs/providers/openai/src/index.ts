export * from './openai-adapter';
export * from './openai-usage';
export * from './sse-lines';
