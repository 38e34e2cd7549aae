import { Logger } from './logger';

/**
 * Runs `stop` once on SIGTERM/SIGINT, then exits. Services close their servers and flush their
 * event buffers here, so a clean shutdown loses no event.
 */
export function onShutdown(component: string, stop: () => Promise<void>): void {
  const log = new Logger(component);
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/** Runs a service's main and exits non-zero with a readable message when start-up fails. */
export function runMain(component: string, main: () => Promise<void>): void {
  main().catch((err) => {
    new Logger(component).error('failed to start', { error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
}

/** The config file: ASSAY_CONFIG, else the given default. */
export function configPath(fallback: string): string {
  return process.env.ASSAY_CONFIG ?? fallback;
}
