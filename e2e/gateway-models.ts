/**
 * The models both wirings' end-to-end tests configure: every provider wire Assay speaks, all
 * served by the one fake provider (`MOCK` is replaced by its URL).
 */
export const E2E_PROVIDERS_YAML = `providers:
  mock: { kind: openai-compatible, baseUrl: MOCK/v1 }
  anthropic-mock: { kind: anthropic, baseUrl: MOCK, apiKey: sk-ant-test }
  gemini-mock: { kind: gemini, baseUrl: MOCK, apiKey: gemini-test }
  azure-mock: { kind: azure-openai, baseUrl: MOCK, apiKey: azure-test, apiVersion: 2024-10-21 }
models:
  - { name: mock-large, provider: mock }
  - { name: mock-small, provider: mock }
  - { name: mock-flaky, provider: mock, upstreamModel: flaky-model }
  - { name: mock-embed, provider: mock }
  - { name: mock-slow, provider: mock, upstreamModel: slow-model }
  - { name: mock-trickle, provider: mock, upstreamModel: trickle-model }
  # Priced only by overrides recorded over the billing API (cluster e2e), so they touch no other test.
  - { name: mock-negotiated, provider: mock, upstreamModel: negotiated-model }
  - { name: claude-via-mock, provider: anthropic-mock, upstreamModel: claude-sonnet-4-6 }
  - { name: gemini-via-mock, provider: gemini-mock, upstreamModel: gemini-2.5-flash }
  - { name: azure-via-mock, provider: azure-mock, upstreamModel: gpt-4o-deployment }
priceOverrides:
  - { provider: mock, model: flaky-model, effectiveFrom: '2025-01-01T00:00:00Z', inputPerMTok: '2.5', outputPerMTok: '10' }
`;

export function providersYaml(mockUrl: string): string {
  return E2E_PROVIDERS_YAML.replaceAll('MOCK', mockUrl);
}

/** Fake-provider behaviour the shared tests rely on. */
export const E2E_MOCK_CONFIG = { models: { 'slow-model': { ttftMs: 10_000 }, 'trickle-model': { tokensPerSecond: 5 } } };

/** Why 1 MiB: small enough that the oversized-body test sends little, large enough for every other test. */
export const E2E_BODY_LIMIT_BYTES = 1024 * 1024;
