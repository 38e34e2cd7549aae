// What one cluster hop costs in gRPC alone, one call per request versus multiplexed: a grpc-js
// server in a child process answers 1 KiB requests with 1 KiB responses, either as one unary call
// per request or as messages tagged with a request id on one long-lived bidirectional stream (how
// ingress -> router -> connector talk since ADR 0011). Reports CPU per request of client and server.
//
//   node_modules/.bin/node bench/grpc-hop.mjs [--requests 20000] [--concurrency 32]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const REQUESTS = Number(args.requests ?? 20_000);
const CONCURRENCY = Number(args.concurrency ?? 32);
const PAYLOAD = Buffer.alloc(1024, 'x');

const raw = { serialize: (b) => b, deserialize: (b) => b };
const service = {
  unary: { path: '/bench.Hop/Unary', requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
  exchange: { path: '/bench.Hop/Exchange', requestStream: true, responseStream: true, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
};

// A frame on the multiplexed stream: 4-byte request id, then the payload.
const frame = (id, payload) => {
  const b = Buffer.allocUnsafe(4 + payload.length);
  b.writeUInt32BE(id, 0);
  payload.copy(b, 4);
  return b;
};

function cpuMs(usage) {
  return (usage.user + usage.system) / 1000;
}

if (process.argv[2] === '--serve') {
  const server = new grpc.Server();
  server.addService(service, {
    unary: (call, callback) => callback(null, PAYLOAD),
    exchange: (call) => call.on('data', (b) => call.write(frame(b.readUInt32BE(0), PAYLOAD))),
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.send({ port });
  });
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpuMs: cpuMs(process.cpuUsage()) });
    if (m === 'exit') process.exit(0);
  });
} else {
  const child = fork(fileURLToPath(import.meta.url), ['--serve']);
  const ask = (m) => new Promise((resolve) => { child.once('message', resolve); child.send(m); });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const Client = grpc.makeGenericClientConstructor(service, 'Hop');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  const unaryOnce = () => new Promise((resolve, reject) => client.unary(frame(0, PAYLOAD), (err, res) => (err ? reject(err) : resolve(res))));

  const stream = client.exchange();
  const waiting = new Map();
  stream.on('data', (b) => { const id = b.readUInt32BE(0); waiting.get(id)?.(); waiting.delete(id); });
  let nextId = 1;
  const streamOnce = () => new Promise((resolve) => { const id = nextId++; waiting.set(id, resolve); stream.write(frame(id, PAYLOAD)); });

  async function run(label, once) {
    let left = REQUESTS;
    const worker = async () => { while (left-- > 0) await once(); };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker())); // warm-up pass
    left = REQUESTS;
    const server0 = (await ask('cpu')).cpuMs, client0 = cpuMs(process.cpuUsage()), t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
    const elapsed = performance.now() - t0, client1 = cpuMs(process.cpuUsage()), server1 = (await ask('cpu')).cpuMs;
    const row = { label, requests: REQUESTS, reqPerS: Math.round((REQUESTS / elapsed) * 1000), clientCpuMsPerReq: +((client1 - client0) / REQUESTS).toFixed(4), serverCpuMsPerReq: +((server1 - server0) / REQUESTS).toFixed(4) };
    console.log(JSON.stringify(row));
  }

  console.log(`# ${REQUESTS} requests of 1 KiB, ${CONCURRENCY} in flight, Node ${process.version}, grpc-js`);
  await run('unary call per request', unaryOnce);
  await run('multiplexed on one bidi stream', streamOnce);
  stream.on('error', () => undefined); // the server going away ends it
  stream.end();
  client.close();
  child.send('exit');
}
