// One load phase, run in its own process so that the load generator's CPU use is visible and
// separable (it still shares the machine's cores with the system under test).
//
// Input: one JSON argument {url, headers, body, duration, connections, rate?}.
// Output: one JSON line on stdout with exact latency percentiles (microsecond resolution) and counts.
//
// autocannon drives the sockets. Two things it does by default are unsuitable here, so this file
// works around them:
//  1. `overallRate` paces per connection per whole second: each connection sends its quota back to
//     back at the start of every second, then idles. That turns "500 req/s" into a burst of 500
//     requests once a second. Instead, with `rate` set, each connection is given evenly spaced
//     send slots (interval = connections / rate, phase-shifted per connection) through autocannon's
//     `setupClient` hook, so the aggregate arrivals are smooth (open-loop, like wrk2).
//  2. autocannon's latency histogram has 1 ms resolution (and with a rate it "corrects" for
//     coordinated omission with a 1 ms expected interval, which fills the histogram with synthetic
//     samples). We record every response time ourselves, as a float, and sort at the end.
// Coordinated omission: when a connection is still waiting for a response at its next slot, the
// request goes out late; its latency is counted from the slot it should have been sent in.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const opts = JSON.parse(process.argv[2]);
const { url, headers, body, duration, connections, rate } = opts;

let samples = new Float64Array(1 << 16);
let n = 0;
let lateSends = 0;
const record = (ms) => {
  if (n === samples.length) {
    const grown = new Float64Array(samples.length * 2);
    grown.set(samples);
    samples = grown;
  }
  samples[n++] = ms;
};

let clientIndex = 0;
const t0 = performance.now() + 50;
const setupClient = rate
  ? (client) => {
      const idx = clientIndex++;
      const interval = (1000 * connections) / rate; // ms between this connection's sends
      let next = t0 + (idx * 1000) / rate; // phase shift spreads connections over the interval
      const send = Object.getPrototypeOf(client)._doRequest;
      client.__lateMs = 0;
      client._doRequest = function paced() {
        if (this.destroyed) return;
        const slot = next;
        next += interval;
        const now = performance.now();
        if (now >= slot) {
          // Busy until after its slot: the server (not the generator's timer) made it late.
          this.__lateMs = now - slot > 1 ? now - slot : 0;
          if (this.__lateMs > 0) lateSends++;
          send.call(this);
        } else {
          this.__lateMs = 0;
          setTimeout(() => {
            if (!this.destroyed) send.call(this);
          }, slot - now);
        }
      };
    }
  : undefined;

const statusCounts = {};
const instance = autocannon(
  {
    url,
    method: 'POST',
    headers,
    body,
    duration,
    connections,
    pipelining: 1,
    timeout: 10,
    setupClient,
  },
  (err, result) => {
    if (err) {
      process.stdout.write(JSON.stringify({ error: String(err) }) + '\n');
      process.exit(1);
    }
    const sorted = samples.subarray(0, n).sort();
    const pct = (p) => (n ? sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)] : null);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i];
    const non2xx = Object.entries(statusCounts)
      .filter(([code]) => !code.startsWith('2'))
      .reduce((a, [, c]) => a + c, 0);
    process.stdout.write(
      JSON.stringify({
        responses,
        ok: n,
        durationS: result.duration,
        rps: responses / result.duration,
        okRps: n / result.duration,
        latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: n ? sorted[n - 1] : null, mean: n ? sum / n : null },
        statusCounts,
        non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        lateSends,
        loadgenCpuMs: (() => {
          const u = process.cpuUsage();
          return Math.round((u.user + u.system) / 1000);
        })(),
      }) + '\n',
    );
    process.exit(0);
  },
);

let responses = 0;
instance.on('response', (client, statusCode, _bytes, responseTime) => {
  responses++;
  statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
  // Latency percentiles are of successful responses only, so fast failures cannot flatter them.
  if (statusCode >= 200 && statusCode < 300) record(responseTime + (client.__lateMs ?? 0));
});

process.on('SIGTERM', () => instance.stop());
process.on('SIGINT', () => instance.stop());
