import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderUnreachable, type ProviderTarget } from '@assay/providers-spec';
import { providerPost } from './provider-http';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

describe('providerPost', () => {
  let server: Server;
  let url: string;
  let route: Route;

  beforeAll(async () => {
    server = createServer((req, res) => route(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const target = (timeoutMs: number): ProviderTarget =>
    ({ provider: 'test', kind: 'openai', baseUrl: '', upstreamModel: 'm', apiKey: '', headers: {}, timeoutMs }) as unknown as ProviderTarget;

  it('lets go of the caller signal once the response body was read', async () => {
    route = (_req, res) => res.end(JSON.stringify({ ok: true }));
    const caller = new AbortController();
    const response = await providerPost(target(60_000), url, {}, { model: 'm' }, caller.signal);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    const closed = new Promise<void>((resolve) => response.onClose(resolve));
    await expect(response.json()).resolves.toEqual({ ok: true });
    await closed;
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('reports a provider that does not answer within the timeout as unreachable, timed out', async () => {
    route = () => undefined; // never answers
    const caller = new AbortController();
    const error = await providerPost(target(50), url, {}, {}, caller.signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnreachable);
    expect((error as ProviderUnreachable).timedOut).toBe(true);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('aborts reading a body that outlasts the timeout', async () => {
    route = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).write('{"partial":'); // never ends
    const response = await providerPost(target(50), url, {}, {}, new AbortController().signal);
    await expect(response.json()).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('rethrows the caller’s own abort as it is, not as an unreachable provider', async () => {
    route = () => undefined;
    const caller = new AbortController();
    const pending = providerPost(target(60_000), url, {}, {}, caller.signal);
    const reason = new Error('client went away');
    caller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});
