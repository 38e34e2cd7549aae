// Shell of the mock provider: settings from the environment, optional config file, one log line,
// graceful shutdown. All behaviour lives in @assay/mock-llm.
import { loadMockConfigFile, startMockProvider } from '@assay/mock-llm';
import { readProviderSettings } from './provider-settings';

async function main(): Promise<void> {
  const settings = readProviderSettings(process.env);
  const config = settings.configPath ? loadMockConfigFile(settings.configPath) : {};
  const provider = await startMockProvider({ port: settings.port, host: settings.host, config });
  console.log(`mock-provider listening on ${provider.url} (OpenAI base URL ${provider.url}/v1)`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`mock-provider stopping on ${signal}`);
    provider.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('mock-provider failed to close', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('mock-provider failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
