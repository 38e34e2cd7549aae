// @assay/mock-llm: a deterministic fake LLM provider (OpenAI, Anthropic and Gemini wire protocols) for tests,
// benchmarks and the offline demo. Never used on a production request path.
export { DEFAULT_MODELS, type MockProvider, type MockProviderOptions, MockServer, startMockProvider } from './mock-server';
export { type MockConfig, MockConfigError, mockConfigSchema, type ModelBehaviour, type ModelBehaviourOverrides, parseMockConfig } from './mock-config';
export { loadMockConfigFile } from './mock-config-file';
export type { RecordedRequest } from './request-log';
export { jsonSchemaInstance } from './json-schema-instance';
export { countTextTokens } from './token-count';
