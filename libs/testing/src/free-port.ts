import { createServer } from 'node:net';

// Why not port 0: the kernel hands out listening ports from the ephemeral range, the same range
// outgoing connections draw from, and a service a test starts binds its port a few seconds later,
// after the processes starting beside it opened connections to Kafka and PostgreSQL; one of those
// can hold the port by then ("EADDRINUSE" seen in the cluster suite). Below Linux's ephemeral
// range (32768-60999) only an explicit bind can take a port, and the infra's own ports (25432,
// 29392, 29393) sit below this block.
const FIRST = 30_000;
const LAST = 32_767;
let next = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port that was free a moment ago and that no outgoing connection will take, for services a test starts. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried <= LAST - FIRST; tried++) {
    const port = next;
    next = next === LAST ? FIRST : next + 1;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port in ${FIRST}-${LAST}`);
}
