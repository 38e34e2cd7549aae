// What a client sees through either wiring: the official OpenAI and Anthropic SDKs and the gRPC
// Gateway, against every provider wire (all served by the fake provider).
import Anthropic from '@anthropic-ai/sdk';
import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { HealthCheckResponse, HealthClient } from './grpc-health-client';
import { ReflectionClient } from './grpc-reflection-client';
import OpenAI from 'openai';
import { ChatChunk, GatewayClient, GatewayService } from '@assay/contracts';
import { makeGenericClientConstructor } from '@grpc/grpc-js';
import { eventually } from '@assay/testing';
import { E2E_BODY_LIMIT_BYTES } from './gateway-models';

export interface GatewayUnderTest {
  httpBase: string;
  grpcAddress: string;
  apiKey: string;
  /** The fake provider behind it, for its /_mock/stats. */
  mockUrl: string;
}

const PROVIDER_MODELS = ['mock-large', 'claude-via-mock', 'gemini-via-mock', 'azure-via-mock'];

export function apiConformanceTests(target: () => GatewayUnderTest): void {
  const openai = () => new OpenAI({ baseURL: `${target().httpBase}/v1`, apiKey: target().apiKey, maxRetries: 0 });
  const anthropic = () => new Anthropic({ baseURL: target().httpBase, apiKey: target().apiKey, maxRetries: 0 });

  describe.each(PROVIDER_MODELS)('OpenAI SDK through %s', (model) => {
    it('answers a chat completion', async () => {
      const r = await openai().chat.completions.create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }] });
      expect(r.object).toBe('chat.completion');
      expect(r.choices[0].message.content!.length).toBeGreaterThan(0);
      expect(r.usage!.prompt_tokens).toBeGreaterThan(0);
    });

    it('streams with usage at the end, naming the answering model in x-assay-model', async () => {
      const { data: stream, response } = await openai()
        .chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello' }] })
        .withResponse();
      expect(response.headers.get('x-assay-model')).toBe(model);
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(usage!.completion_tokens).toBeGreaterThan(0);
    });

    it('calls a tool with arguments that match its schema', async () => {
      const r = await openai().chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1 } }, required: ['city', 'days'] } } }],
        tool_choice: 'required',
      });
      const call = r.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect(r.choices[0].finish_reason).toBe('tool_calls');
      expect(call.function.name).toBe('get_weather');
      const args = JSON.parse(call.function.arguments);
      expect(typeof args.city).toBe('string');
      expect(Number.isInteger(args.days) && args.days >= 1).toBe(true);
    });

    it('returns structured output that matches the requested JSON schema', async () => {
      const r = await openai().chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Classify: I love it' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'sentiment', strict: true, schema: { type: 'object', properties: { label: { type: 'string', enum: ['positive', 'negative'] }, score: { type: 'number' } }, required: ['label', 'score'], additionalProperties: false } },
        },
      });
      const parsed = JSON.parse(r.choices[0].message.content!);
      expect(['positive', 'negative']).toContain(parsed.label);
      expect(typeof parsed.score).toBe('number');
    });
  });

  describe('OpenAI wire edge cases', () => {
    it('aborts the upstream call when the client walks away mid-stream', async () => {
      const abandoned = async () => ((await (await fetch(`${target().mockUrl}/_mock/stats`)).json()) as { abandoned: number }).abandoned;
      const before = await abandoned();
      const abort = new AbortController();
      const stream = await openai().chat.completions.create({ model: 'mock-trickle', stream: true, messages: [{ role: 'user', content: 'Tell me a long story' }] }, { signal: abort.signal });
      for await (const _ of stream) break; // read one chunk, then go away
      abort.abort();
      await eventually(abandoned, (n) => n > before);
    });

    it('rejects an oversized body with 413 in the OpenAI envelope', async () => {
      const res = await fetch(`${target().httpBase}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target().apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-large', messages: [{ role: 'user', content: 'x'.repeat(E2E_BODY_LIMIT_BYTES + 1) }] }),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    });

    it('says on every response which request it was, which model answered, after how many attempts and at what cost', async () => {
      const { response } = await openai().chat.completions.create({ model: 'mock-small', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-assay-model')).toBe('mock-small');
      expect(response.headers.get('x-assay-attempts')).toBe('1');
      // mock-small is in the price catalog (priced like gpt-4o-mini).
      expect(Number(response.headers.get('x-assay-cost'))).toBeGreaterThan(0);
    });
  });

  describe('OpenAI SDK: embeddings and models', () => {
    it('creates embeddings for a batch of inputs', async () => {
      const r = await openai().embeddings.create({ model: 'mock-embed', input: ['first', 'second'] });
      expect(r.data).toHaveLength(2);
      expect(r.data[1].index).toBe(1);
      expect(r.data[0].embedding.length).toBeGreaterThan(0);
      expect(r.usage.prompt_tokens).toBeGreaterThan(0);
    });

    it('creates embeddings through the Gemini wire', async () => {
      const r = await openai().embeddings.create({ model: 'gemini-via-mock', input: 'hello' });
      expect(r.data[0].embedding.length).toBeGreaterThan(0);
    });

    it('rejects embeddings without input', async () => {
      await expect(openai().embeddings.create({ model: 'mock-embed' } as never)).rejects.toMatchObject({ status: 400, param: 'input' });
    });

    it('lists the models the key may use, and retrieves one', async () => {
      const ids = [];
      for await (const m of openai().models.list()) ids.push(m.id);
      expect(ids).toEqual(expect.arrayContaining(PROVIDER_MODELS));
      expect((await openai().models.retrieve('mock-small')).id).toBe('mock-small');
      await expect(openai().models.retrieve('nope')).rejects.toMatchObject({ status: 404 });
    });
  });

  describe.each(['mock-large', 'claude-via-mock'])('Anthropic SDK through %s', (model) => {
    it('answers a message', async () => {
      const m = await anthropic().messages.create({ model, max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
      expect(m.type).toBe('message');
      expect(m.role).toBe('assistant');
      expect(m.content[0].type).toBe('text');
      expect(m.usage.output_tokens).toBeGreaterThan(0);
    });

    it('streams a message', async () => {
      const stream = anthropic().messages.stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });
      const { response } = await stream.withResponse();
      expect(response.headers.get('x-assay-model')).toBe(model);
      let text = '';
      stream.on('text', (t) => (text += t));
      const final = await stream.finalMessage();
      expect(text.length).toBeGreaterThan(0);
      expect(final.stop_reason).toBe('end_turn');
    });

    it('uses a tool', async () => {
      const m = await anthropic().messages.create({
        model,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
        tool_choice: { type: 'any' },
      });
      expect(m.stop_reason).toBe('tool_use');
      const use = m.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
      expect(use.name).toBe('get_weather');
      expect(typeof (use.input as { city: unknown }).city).toBe('string');
    });
  });

  describe('Anthropic-compatible errors', () => {
    it('answers a bad request in the Anthropic envelope', async () => {
      await expect(anthropic().messages.create({ model: 'mock-large', messages: [{ role: 'user', content: 'x' }] } as never)).rejects.toMatchObject({
        status: 400,
        error: { type: 'error', error: { type: 'invalid_request_error' } },
      });
    });

    it('answers a wrong key with 401 authentication_error', async () => {
      const bad = new Anthropic({ baseURL: target().httpBase, apiKey: 'sk-wrong', maxRetries: 0 });
      await expect(bad.messages.create({ model: 'mock-large', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
        status: 401,
        error: { error: { type: 'authentication_error' } },
      });
    });
  });

  describe('gRPC Gateway', () => {
    const Client = makeGenericClientConstructor(GatewayService, 'assay.v1.Gateway');
    const client = () => new Client(target().grpcAddress, credentials.createInsecure()) as unknown as GatewayClient;
    const auth = (key = target().apiKey) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${key}`);
      return md;
    };
    const body = (model: string) => Buffer.from(JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] }));

    it('answers a unary Chat', async () => {
      const c = client();
      const response = await new Promise<import('@assay/contracts').ChatResponse>((resolve, reject) =>
        c.chat({ openaiBody: body('mock-small'), promptType: '', tags: {} }, auth(), (err, r) => (err ? reject(err) : resolve(r))),
      );
      c.close();
      expect(JSON.parse(Buffer.from(response.openaiBody).toString()).object).toBe('chat.completion');
      expect(response.outcome!.servedModel).toBe('mock-small');
    });

    it('streams ChatStream chunks and ends with the outcome', async () => {
      const c = client();
      const chunks: ChatChunk[] = [];
      for await (const chunk of c.chatStream({ openaiBody: body('mock-small'), promptType: '', tags: {} }, auth())) chunks.push(chunk as ChatChunk);
      c.close();
      expect(chunks.filter((x) => x.openaiChunk).length).toBeGreaterThan(1);
      expect(chunks.at(-1)!.outcome!.attempts).toBe(1);
    });

    it('refuses a wrong key with UNAUTHENTICATED', async () => {
      const c = client();
      const err = await new Promise<ServiceError>((resolve) => c.chat({ openaiBody: body('mock-small'), promptType: '', tags: {} }, auth('sk-wrong'), (e) => resolve(e!)));
      c.close();
      expect(err.code).toBe(GrpcStatus.UNAUTHENTICATED);
    });

    it('honours the call deadline with DEADLINE_EXCEEDED', async () => {
      const c = client();
      const err = await new Promise<ServiceError>((resolve) =>
        c.chat({ openaiBody: body('mock-slow'), promptType: '', tags: {} }, auth(), { deadline: new Date(Date.now() + 300) }, (e) => resolve(e!)),
      );
      c.close();
      expect(err.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    });

    it('reports SERVING on the standard health service', async () => {
      const health = new HealthClient(target().grpcAddress);
      const response: HealthCheckResponse = await health.check('assay.v1.Gateway');
      health.close();
      expect(response.status).toBe('SERVING');
    });

    it('describes the Gateway service through server reflection, as grpcurl needs', async () => {
      const reflection = new ReflectionClient(target().grpcAddress);
      const services = await reflection.listServices();
      const files = await reflection.filesContaining('assay.v1.Gateway');
      reflection.close();
      expect(services).toContain('assay.v1.Gateway');
      const gateway = files.flatMap((f) => f.service).find((s) => s.name === 'Gateway');
      expect(gateway?.method.map((m) => [m.name, m.serverStreaming])).toEqual([
        ['Chat', false],
        ['ChatStream', true],
      ]);
      // Every message the methods name is described too, so a client can build requests.
      const messages = new Set(files.flatMap((f) => f.messageType.map((m) => `.${f.package}.${m.name}`)));
      for (const m of gateway!.method) expect([m.inputType, m.outputType].filter((t) => !messages.has(t))).toEqual([]);
    });
  });
}
