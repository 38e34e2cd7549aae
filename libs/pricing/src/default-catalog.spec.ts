import { costOf } from './cost';
import { defaultCatalogFile, loadDefaultCatalog } from './default-catalog';
import { formatUsd } from './money';

const ASSAY_PROVIDERS = ['openai', 'anthropic', 'gemini', 'mistral', 'groq', 'deepseek', 'mock'];
const now = new Date('2026-11-23T00:00:00Z');

describe('the shipped price catalog', () => {
  const catalog = loadDefaultCatalog();
  const file = defaultCatalogFile();

  it('loads once and is shared', () => {
    expect(loadDefaultCatalog()).toBe(catalog);
    expect(catalog.version).toBe(file.version);
  });

  it('uses only Assay provider names, each with a source note', () => {
    const providers = new Set(file.prices.map((p) => p.provider));
    expect([...providers].sort()).toEqual([...ASSAY_PROVIDERS].sort());
    for (const provider of ASSAY_PROVIDERS) expect(file.sources[provider]?.note).toBeTruthy();
  });

  it.each([
    ['openai', ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large']],
    ['anthropic', ['claude-opus-4-1', 'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-sonnet-4', 'claude-haiku-4-5', 'claude-3-5-haiku']],
    ['gemini', ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-embedding-001']],
    ['mistral', ['mistral-large-latest', 'mistral-small-latest']],
    ['groq', ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant']],
    ['deepseek', ['deepseek-chat', 'deepseek-reasoner']],
    ['mock', ['mock-large', 'mock-small']],
  ])('prices every %s model Assay supports today', (provider, models) => {
    for (const model of models) expect(catalog.priceAt(provider, model, now)).toBeDefined();
  });

  it('prices the demo models like gpt-4o and gpt-4o-mini', () => {
    const pairs: Array<[string, string]> = [
      ['mock-large', 'gpt-4o'],
      ['mock-small', 'gpt-4o-mini'],
    ];
    for (const [mock, real] of pairs) {
      const m = catalog.priceAt('mock', mock, now)!;
      const r = catalog.priceAt('openai', real, now)!;
      expect([m.inputPicoPerToken, m.outputPicoPerToken, m.cachedInputPicoPerToken]).toEqual([r.inputPicoPerToken, r.outputPicoPerToken, r.cachedInputPicoPerToken]);
    }
  });

  it('resolves provider snapshot names', () => {
    expect(catalog.priceAt('openai', 'gpt-4o-mini-2024-07-18', now)?.model).toBe('gpt-4o-mini');
    expect(catalog.priceAt('anthropic', 'claude-sonnet-4-5-20250929', now)?.model).toBe('claude-sonnet-4-5');
    expect(catalog.priceAt('anthropic', 'claude-haiku-4-5-20251001', now)?.model).toBe('claude-haiku-4-5');
    expect(catalog.priceAt('anthropic', 'claude-3-5-haiku-20241022', now)?.model).toBe('claude-3-5-haiku');
    expect(catalog.priceAt('openai', 'gpt-4o-2024-05-13', now)?.inputPicoPerToken).toBe(5_000_000n);
  });

  it('keeps price history: gpt-4o and deepseek-chat cost what they cost at the time', () => {
    expect(catalog.priceAt('openai', 'gpt-4o', new Date('2024-07-01T00:00:00Z'))?.inputPicoPerToken).toBe(5_000_000n);
    expect(catalog.priceAt('openai', 'gpt-4o', now)?.inputPicoPerToken).toBe(2_500_000n);
    expect(catalog.versions('deepseek', 'deepseek-chat')).toHaveLength(3);
  });

  it('prices a typical gpt-4o-mini call', () => {
    const price = catalog.priceAt('openai', 'gpt-4o-mini', now)!;
    // 1200 prompt (200 cached) + 300 completion = 1000×0.15 + 200×0.075 + 300×0.60 per million = $0.000345
    expect(formatUsd(costOf({ promptTokens: 1200, cachedTokens: 200, completionTokens: 300, reasoningTokens: 0 }, price))).toBe('0.000345');
  });

  it('never prices output below input for chat models, and flags uncertain figures', () => {
    for (const { provider, model } of catalog.models()) {
      const p = catalog.priceAt(provider, model, now)!;
      if (!/embed/.test(model)) expect(p.outputPicoPerToken).toBeGreaterThanOrEqual(p.inputPicoPerToken);
      expect(p.cachedInputPicoPerToken).toBeLessThanOrEqual(p.inputPicoPerToken);
    }
    expect(file.prices.some((p) => p.verify === true)).toBe(true);
  });
});
