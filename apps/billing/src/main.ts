// The billing service is not built yet (see the open issues); this shell starts, says so, and
// stays up so the cluster layout is complete.
import { Logger, onShutdown, runMain } from '@assay/platform';

runMain('billing', async () => {
  new Logger('billing').info('no work assigned to this service yet');
  const idle = setInterval(() => undefined, 60_000);
  onShutdown('billing', async () => clearInterval(idle));
});
