// The one HTTP client every provider adapter uses: undici's request API on a shared keep-alive
// connection pool. Why not fetch: fetch builds WHATWG streams and Response objects per call, and
// on the hot path that costs several times the CPU of undici's request for the same exchange.
import { Agent, request } from 'undici';
import { ProviderUnreachable, type ProviderTarget } from '@assay/providers-spec';

/** The part of a fetch Response that adapters use. */
export interface ProviderResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
  /** The body as it arrives, for streams. */
  body: AsyncIterable<Uint8Array>;
  /** Calls `listener` once the body was read to its end, or abandoned. */
  onClose(listener: () => void): void;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

// Why these numbers: providers keep idle connections ~60 s; 30 s stays safely under that. 256
// connections per origin covers thousands of concurrent streams without opening unbounded sockets.
const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 256 });

export async function httpPost(url: string, options: PostOptions): Promise<ProviderResponse> {
  const response = await request(url, {
    method: 'POST',
    headers: options.headers,
    body: options.body,
    signal: options.signal,
    dispatcher: agent,
  });
  const headers = response.headers;
  return {
    status: response.statusCode,
    ok: response.statusCode >= 200 && response.statusCode < 300,
    headers: {
      get(name: string): string | null {
        const v = headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    json: () => response.body.json(),
    text: () => response.body.text(),
    body: response.body,
    onClose: (listener) => void response.body.once('close', listener),
  };
}

/**
 * The signal of one upstream exchange: the caller's abort or the per-attempt timeout, whichever
 * comes first. Why not AbortSignal.any([signal, AbortSignal.timeout(ms)]): both objects, their
 * weak references and the timeout's timer stay reachable until the timeout fires, long after the
 * call ended, so every request left about a kilobyte for the old generation (measured with
 * --heap-prof) and made each young-generation collection slower. This one is released when the
 * exchange ends: when its response body closes, or when the request fails.
 */
class ExchangeSignal {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  timedOut = false;

  constructor(
    private readonly caller: AbortSignal,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, timeoutMs);
    this.timer.unref();
    caller.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private readonly onCallerAbort = (): void => this.controller.abort(this.caller.reason);

  readonly release = (): void => {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onCallerAbort);
  };
}

/**
 * POSTs a JSON body to a provider under the target's per-attempt timeout, which also covers
 * reading the body. Network failures and timeouts become ProviderUnreachable; an abort by the
 * caller rethrows as is. Error statuses are returned for the adapter to read in its provider's
 * error envelope.
 */
export async function providerPost(target: ProviderTarget, url: string, headers: Record<string, string>, body: object, signal: AbortSignal): Promise<ProviderResponse> {
  signal.throwIfAborted();
  const exchange = new ExchangeSignal(signal, target.timeoutMs);
  try {
    const response = await httpPost(url, {
      headers: { 'content-type': 'application/json', ...target.headers, ...headers },
      body: JSON.stringify(body),
      signal: exchange.signal,
    });
    response.onClose(exchange.release);
    return response;
  } catch (err) {
    exchange.release();
    if (signal.aborted) throw signal.reason ?? err;
    throw new ProviderUnreachable(`${target.provider}: ${(err as Error).message}`, exchange.timedOut);
  }
}
