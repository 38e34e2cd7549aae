import { RouterService, type ChatChunk, type ChatRequest, type ChatResponse, type EmbedRequest, type EmbedResponse } from '@assay/contracts';
import { AssayError } from '../assay-error';
import type { RouterPort } from '../chat-port';
import { chatService, EXCHANGE_BODY_LIMIT, GrpcChatClient } from './grpc-chat-port';
import { startGrpcServer, type GrpcService, type RunningGrpcServer } from './grpc-server';

const small = '{"model":"m"}';
const large = JSON.stringify({ model: 'm', image: 'x'.repeat(EXCHANGE_BODY_LIMIT) });
const chatRequest = (body: string, deadlineMs = 0): ChatRequest => ({
  model: 'm',
  stream: false,
  openaiBody: Buffer.from(body),
  context: { requestId: 'r', tenantId: 't', teamId: '', keyId: '', endUser: '', tags: {}, promptType: '', deadlineMs },
});

/** The router's service, counting how its calls arrived: one by one or on Exchange streams. */
function countedService(router: RouterPort) {
  const service: GrpcService = chatService(RouterService, router);
  const counts = { ownCalls: 0, streams: 0 };
  const impl = service.implementation as Record<string, (...args: never[]) => unknown>;
  for (const name of ['chat', 'chatStream', 'embed', 'exchange'] as const) {
    const handler = impl[name];
    impl[name] = (...args: never[]) => {
      if (name === 'exchange') counts.streams++;
      else counts.ownCalls++;
      return handler(...args);
    };
  }
  return { service, counts };
}

class ScriptedRouter implements RouterPort {
  cancelled = false;
  started = false;
  constructor(private readonly behaviour: 'ok' | 'fail' | 'hang') {}

  async chat(req: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    if (this.behaviour === 'fail') throw AssayError.upstream(429, 'slow down', 7);
    this.started = true;
    if (this.behaviour === 'hang') return new Promise((_, reject) => signal?.addEventListener('abort', () => { this.cancelled = true; reject(AssayError.cancelled()); }));
    return { openaiBody: req.openaiBody, outcome: { servedModel: req.model, provider: 'p', deployment: 'd', attempts: 1, usage: undefined, costPico: '' } };
  }

  async embed(req: EmbedRequest): Promise<EmbedResponse> {
    return { openaiBody: req.openaiBody, outcome: undefined };
  }

  async *chatStream(req: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    yield { openaiChunk: Buffer.from('one') };
    if (this.behaviour === 'fail') throw AssayError.modelNotFound(req.model);
    if (this.behaviour === 'hang') {
      await new Promise<void>((resolve) => signal?.addEventListener('abort', () => { this.cancelled = true; resolve(); }));
      return;
    }
    yield { openaiChunk: Buffer.from('two') };
  }
}

describe.each([
  ['multiplexed on the Exchange stream', small, 'streams'],
  ['on a gRPC call of its own when the body is large', large, 'ownCalls'],
] as const)('ChatPort over gRPC, %s', (_, body, transport) => {
  let server: RunningGrpcServer;
  let client: GrpcChatClient<ChatRequest, EmbedRequest>;
  let counts: { ownCalls: number; streams: number };
  const request = chatRequest(body);

  async function serve(router: RouterPort): Promise<void> {
    const counted = countedService(router);
    counts = counted.counts;
    server = await startGrpcServer('127.0.0.1:0', [counted.service]);
    client = new GrpcChatClient(RouterService, `127.0.0.1:${server.port}`);
  }

  afterEach(async () => {
    client.close();
    await server.close();
  });

  it('returns the remote answer unchanged', async () => {
    await serve(new ScriptedRouter('ok'));
    const response = await client.chat(request);
    expect(Buffer.from(response.openaiBody).toString()).toBe(body);
    expect(response.outcome?.servedModel).toBe('m');
    expect(counts[transport]).toBe(1);
  });

  it('carries embeddings requests too', async () => {
    await serve(new ScriptedRouter('ok'));
    const response = await client.embed({ model: 'e', openaiBody: Buffer.from(body), context: undefined });
    expect(Buffer.from(response.openaiBody).toString()).toBe(body);
  });

  it('times a call out at the deadline in its context and cancels the remote work', async () => {
    const router = new ScriptedRouter('hang');
    await serve(router);
    await expect(client.chat(chatRequest(body, Date.now() + 100))).rejects.toMatchObject({ status: 504, code: 'timeout' });
    await waitFor(() => router.cancelled);
  });

  it('carries the full error across the wire, status and Retry-After included', async () => {
    await serve(new ScriptedRouter('fail'));
    await expect(client.chat(request)).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 7, message: 'slow down' });
  });

  it('streams chunks in order', async () => {
    await serve(new ScriptedRouter('ok'));
    const got: string[] = [];
    for await (const c of client.chatStream(request)) got.push(Buffer.from(c.openaiChunk!).toString());
    expect(got).toEqual(['one', 'two']);
  });

  it('surfaces an error raised mid-stream as an AssayError', async () => {
    await serve(new ScriptedRouter('fail'));
    const got: string[] = [];
    await expect(async () => {
      for await (const c of client.chatStream(request)) got.push(Buffer.from(c.openaiChunk!).toString());
    }).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    expect(got).toEqual(['one']);
  });

  it('cancels the remote work when the caller aborts a unary call', async () => {
    const router = new ScriptedRouter('hang');
    await serve(router);
    const abort = new AbortController();
    const call = client.chat(request, abort.signal);
    await waitFor(() => router.started);
    abort.abort();
    await expect(call).rejects.toMatchObject({ status: 499 });
    await waitFor(() => router.cancelled);
  });

  it('cancels the remote stream when the consumer stops reading', async () => {
    const router = new ScriptedRouter('hang');
    await serve(router);
    for await (const _ of client.chatStream(request)) break;
    await waitFor(() => router.cancelled);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
