import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { RouterService, type ChatChunk, type ChatRequest, type ChatResponse, type EmbedRequest, type EmbedResponse } from '@assay/contracts';
import type { RouterPort } from '../chat-port';
import { chatService, GrpcChatClient } from './grpc-chat-port';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server';

const chatRequest = (body: string): ChatRequest => ({ model: 'm', stream: false, openaiBody: Buffer.from(body), context: undefined });

/** Echoes bodies back; a body of "wait" is answered only once `release()` is called. */
class EchoRouter implements RouterPort {
  started = 0;
  private gate: Promise<void>;
  release!: () => void;

  constructor() {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    this.started++;
    if (Buffer.from(req.openaiBody).toString() === 'wait') await this.gate;
    return { openaiBody: req.openaiBody, outcome: undefined };
  }

  async embed(req: EmbedRequest): Promise<EmbedResponse> {
    return { openaiBody: req.openaiBody, outcome: undefined };
  }

  async *chatStream(req: ChatRequest): AsyncIterable<ChatChunk> {
    for (const part of Buffer.from(req.openaiBody).toString().split(' ')) {
      await new Promise((r) => setImmediate(r));
      yield { openaiChunk: Buffer.from(part) };
    }
  }
}

describe('Exchange streams between hops', () => {
  let server: RunningGrpcServer | undefined;
  let client: GrpcChatClient<ChatRequest, EmbedRequest>;
  let streams: number;

  /** Serves `router`; `mishandle`, when given, takes the Exchange streams it is asked for instead. */
  async function serve(router: RouterPort, mishandle?: { streams: number; with(stream: ServerDuplexStream<unknown, unknown>): void }): Promise<void> {
    const service = chatService(RouterService, router);
    const impl = service.implementation as Record<string, (stream: ServerDuplexStream<unknown, unknown>) => void>;
    const exchange = impl.exchange;
    streams = 0;
    impl.exchange = (stream) => (++streams <= (mishandle?.streams ?? 0) ? mishandle!.with(stream) : exchange(stream));
    server = await startGrpcServer('127.0.0.1:0', [service]);
    client = new GrpcChatClient(RouterService, `127.0.0.1:${server.port}`);
  }

  afterEach(async () => {
    client.close();
    await server?.close();
    server = undefined;
  });

  it('carries many concurrent calls, unary and streamed, on one stream without mixing their answers', async () => {
    await serve(new EchoRouter());
    const unary = Array.from({ length: 40 }, (_, i) => client.chat(chatRequest(`answer ${i}`)).then((r) => Buffer.from(r.openaiBody).toString()));
    const streamed = Array.from({ length: 10 }, async (_, i) => {
      const parts: string[] = [];
      for await (const chunk of client.chatStream(chatRequest(`stream ${i} a b c`))) parts.push(Buffer.from(chunk.openaiChunk!).toString());
      return parts.join(' ');
    });
    expect(await Promise.all(unary)).toEqual(Array.from({ length: 40 }, (_, i) => `answer ${i}`));
    expect(await Promise.all(streamed)).toEqual(Array.from({ length: 10 }, (_, i) => `stream ${i} a b c`));
    expect(streams).toBe(1);
  });

  it('answers the calls in flight when the far side shuts down, then lets it close', async () => {
    const router = new EchoRouter();
    await serve(router);
    const call = client.chat(chatRequest('wait'));
    await waitFor(() => router.started === 1);
    const closing = server!.close();
    router.release();
    expect(Buffer.from((await call).openaiBody).toString()).toBe('wait');
    await closing;
    server = undefined;
  });

  it('sends a call again on a new stream when its stream ended cleanly before the far side started it', async () => {
    const router = new EchoRouter();
    // The far side ends the stream as the call arrives, as a shutting-down server ends an idle one.
    await serve(router, { streams: 1, with: (stream) => stream.once('data', () => stream.end()) });
    const response = await client.chat(chatRequest('hello'));
    expect(Buffer.from(response.openaiBody).toString()).toBe('hello');
    expect(streams).toBe(2);
    expect(router.started).toBe(1);
  });

  it('fails a call, rather than sending it forever, when the far side keeps ending streams without answering', async () => {
    await serve(new EchoRouter(), { streams: Infinity, with: (stream) => stream.once('data', () => stream.end()) });
    await expect(client.chat(chatRequest('hello'))).rejects.toMatchObject({ status: 503, code: 'upstream_unavailable' });
  });

  it('fails a call whose stream broke with the far side\'s status, not silently', async () => {
    await serve(new EchoRouter(), { streams: 1, with: (stream) => stream.once('data', () => stream.emit('error', { code: status.UNAVAILABLE, details: 'going away' })) });
    await expect(client.chat(chatRequest('hello'))).rejects.toMatchObject({ status: 503, code: 'upstream_unavailable' });
    // The next call opens a fresh stream and is answered.
    expect(Buffer.from((await client.chat(chatRequest('again'))).openaiBody).toString()).toBe('again');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
