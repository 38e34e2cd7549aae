import { readProviderSettings } from './provider-settings';

describe('readProviderSettings', () => {
  it('defaults to 127.0.0.1:4010 without a config file', () => {
    expect(readProviderSettings({})).toEqual({ port: 4010, host: '127.0.0.1', configPath: undefined });
  });

  it('reads port, host and config path from the environment', () => {
    expect(readProviderSettings({ MOCK_PROVIDER_PORT: '0', MOCK_PROVIDER_HOST: '0.0.0.0', MOCK_PROVIDER_CONFIG: '/etc/mock.yaml' })).toEqual({
      port: 0,
      host: '0.0.0.0',
      configPath: '/etc/mock.yaml',
    });
  });

  it('rejects a port that is not a number', () => {
    expect(() => readProviderSettings({ MOCK_PROVIDER_PORT: 'http' })).toThrow(/MOCK_PROVIDER_PORT/);
  });
});
