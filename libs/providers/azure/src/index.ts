export * from './azure-openai-adapter';
