// The evaluator service is not built yet (see the open issues); this shell starts, says so, and
// stays up so the cluster layout is complete.
import { Logger, onShutdown, runMain } from '@assay/platform';

runMain('evaluator', async () => {
  new Logger('evaluator').info('no work assigned to this service yet');
  const idle = setInterval(() => undefined, 60_000);
  onShutdown('evaluator', async () => clearInterval(idle));
});
