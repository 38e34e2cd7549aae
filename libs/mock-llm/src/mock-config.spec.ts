import { BehaviourResolver, MockConfigError, parseMockConfig } from './mock-config';

describe('mock config', () => {
  it('resolves a model behaviour from built-in defaults, then top level, then "*", then the model', () => {
    const resolver = new BehaviourResolver(
      parseMockConfig({ ttftMs: 5, tokensPerSecond: 10, models: { '*': { tokensPerSecond: 20, failFirst: 1 }, 'gpt-4o': { failFirst: 3, invalidJson: true } } }),
    );
    expect(resolver.forModel('gpt-4o')).toMatchObject({ ttftMs: 5, tokensPerSecond: 20, failFirst: 3, errorStatus: 500, invalidJson: 'malformed' });
    expect(resolver.forModel('other')).toMatchObject({ ttftMs: 5, tokensPerSecond: 20, failFirst: 1, invalidJson: false });
    expect(resolver.configuredModels()).toEqual(['gpt-4o']);
  });

  it('rejects unknown keys and out-of-range values with readable issues', () => {
    expect(() => parseMockConfig({ errorRate: 2 })).toThrow(MockConfigError);
    expect(() => parseMockConfig({ models: { x: { latency: 5 } } })).toThrow(/models\.x/);
  });
});
