// The mock provider's HTTP edge: one node:http server speaking the OpenAI, Anthropic and Gemini
// wire protocols, plus a small /_mock admin API. A request goes: route → read body → record →
// resolve model behaviour → API key → plan answer (400s) → injected faults → hang? → delay → write.
// It is the zero-latency target of load benchmarks, so it must never log per request, never do
// synchronous I/O, and never leave a timer behind once the client has gone.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  countAnthropicInputTokens,
  planMessage,
  renderAnthropicError,
  renderAnthropicModelList,
  renderMessage,
  renderMessageStream,
} from './anthropic-wire';
import { checkApiKey, FaultInjector, presentedApiKey } from './fault-injector';
import {
  nextGeminiResponseId,
  planBatchEmbed,
  planGenerateContent,
  renderBatchEmbed,
  renderGeminiError,
  renderGenerateContent,
  renderGenerateContentJsonArray,
  renderGenerateContentSse,
} from './gemini-wire';
import { BehaviourResolver, type MockConfig, MockConfigError, type ModelBehaviour, parseMockConfig } from './mock-config';
import { invalidRequest, MockProviderError } from './mock-provider-error';
import {
  planChatCompletion,
  planEmbeddings,
  renderChatCompletion,
  renderChatCompletionStream,
  renderEmbeddings,
  renderOpenAIError,
  renderOpenAIModelList,
} from './openai-wire';
import { type RecordedRequest, RequestLog } from './request-log';
import { nextId } from './response-ids';
import type { StreamFrame } from './stream-frame';

export interface MockProviderOptions {
  /** 0 (the default) picks an ephemeral port. */
  readonly port?: number;
  /** Defaults to 127.0.0.1. */
  readonly host?: string;
  readonly config?: MockConfig;
}

export interface MockProvider {
  /** Base URL without path: OpenAI clients use `${url}/v1`, Anthropic clients use `url`. */
  readonly url: string;
  readonly port: number;
  /** Replaces the behaviour config (validated) and restarts the fault counters. */
  setConfig(config: MockConfig): void;
  requests(): RecordedRequest[];
  resetRequests(): void;
  /** Requests whose client went away before the answer was complete. */
  abandonedRequests(): number;
  close(): Promise<void>;
}

/** Models every mock lists on /v1/models, after the configured ones. */
export const DEFAULT_MODELS: readonly string[] = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-5',
  'gpt-5-mini',
  'text-embedding-3-small',
  'text-embedding-3-large',
  'claude-sonnet-4-6',
  'claude-haiku-4-5',
  'claude-opus-4-6',
];

// 16 MiB: far above any realistic prompt, low enough that a runaway client cannot exhaust memory.
const MAX_BODY_BYTES = 16 * 1024 * 1024;
// Longer than typical client pools (undici: 4 s idle, load generators up to 60 s), so the server is
// never the side that closes a pooled socket mid-benchmark and causes spurious ECONNRESETs.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

type Protocol = 'openai' | 'anthropic' | 'gemini';
type Endpoint = 'chat' | 'embeddings' | 'messages' | 'count_tokens' | 'models' | 'generate' | 'stream_generate' | 'batch_embed';

const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map([
  ['POST /v1/chat/completions', 'chat'],
  ['POST /v1/embeddings', 'embeddings'],
  ['POST /v1/messages', 'messages'],
  ['POST /v1/messages/count_tokens', 'count_tokens'],
  ['GET /v1/models', 'models'],
]);

// Gemini addresses the model in the path: /v1beta/models/gemini-2.5-flash:generateContent.
const GEMINI_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/;
const GEMINI_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  generateContent: 'generate',
  streamGenerateContent: 'stream_generate',
  batchEmbedContents: 'batch_embed',
};

function geminiRoute(method: string, path: string): { endpoint: Endpoint; model: string } | undefined {
  const match = method === 'POST' ? GEMINI_PATH.exec(path) : null;
  if (!match) return undefined;
  return { endpoint: GEMINI_ENDPOINTS[match[2] as string] as Endpoint, model: decodeURIComponent(match[1] as string) };
}

// Azure OpenAI speaks the OpenAI wire at its own paths: the dated deployments API (the deployment
// in the path, api-version in the query) and the version-less /openai/v1 API.
const AZURE_DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;

function azureRoute(path: string): { path: string; deployment?: string } | undefined {
  if (path.startsWith('/openai/v1/')) return { path: path.slice('/openai'.length) };
  const match = AZURE_DEPLOYMENT_PATH.exec(path);
  return match ? { path: `/v1/${match[2] as string}`, deployment: decodeURIComponent(match[1] as string) } : undefined;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' };

type Json = Record<string, unknown>;

/** Everything derived from the config, rebuilt on each change so requests only read it. */
interface ActiveConfig {
  readonly config: MockConfig;
  readonly behaviours: BehaviourResolver;
  readonly openAIModelList: string;
  readonly anthropicModelList: string;
}

function activate(config: MockConfig): ActiveConfig {
  const behaviours = new BehaviourResolver(config);
  const models = [...new Set([...behaviours.configuredModels(), ...DEFAULT_MODELS])];
  return { config, behaviours, openAIModelList: renderOpenAIModelList(models), anthropicModelList: renderAnthropicModelList(models) };
}

function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, protocol: Protocol, error: MockProviderError): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error.status === 401 && protocol === 'openai') headers['www-authenticate'] = 'Bearer';
  const body = protocol === 'anthropic' ? renderAnthropicError(error) : protocol === 'gemini' ? renderGeminiError(error) : renderOpenAIError(error);
  sendJson(res, error.status, body, headers);
}

/** Resolves true after `ms`, or false as soon as the client goes away (clearing the timer). */
function delay(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

async function sendPacedJson(res: ServerResponse, behaviour: ModelBehaviour, outputTokens: number, body: string, headers: Record<string, string>): Promise<void> {
  // A non-streamed answer still takes time to generate: TTFT plus the tokens at the configured rate.
  const generationMs = behaviour.tokensPerSecond > 0 ? (outputTokens * 1000) / behaviour.tokensPerSecond : 0;
  const totalMs = behaviour.ttftMs + generationMs;
  if (totalMs >= 1 && !(await delay(totalMs, res))) return;
  sendJson(res, 200, body, headers);
}

async function sendPacedStream(res: ServerResponse, behaviour: ModelBehaviour, frames: readonly StreamFrame[], headers: Record<string, string>): Promise<void> {
  if (behaviour.ttftMs > 0 && !(await delay(behaviour.ttftMs, res))) return;
  if (res.destroyed) return;
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  if (behaviour.failMidStream > 0) {
    res.write(frames.slice(0, behaviour.failMidStream).map((f) => f.text).join(''));
    // Let the frames leave before the connection drops, as a provider crash mid-answer would.
    setImmediate(() => res.destroy());
    return;
  }
  if (behaviour.tokensPerSecond === 0) {
    res.end(frames.map((f) => f.text).join(''));
    return;
  }
  // Frames are due on a fixed schedule from the first byte, so timer jitter does not accumulate;
  // frames already due are batched into one write instead of one timer each.
  const start = performance.now();
  const msPerToken = 1000 / behaviour.tokensPerSecond;
  let tokens = 0;
  let pending = '';
  for (const frame of frames) {
    tokens += frame.tokens;
    const wait = start + tokens * msPerToken - performance.now();
    if (wait >= 1) {
      if (pending) res.write(pending);
      pending = '';
      if (!(await delay(wait, res))) return;
    }
    pending += frame.text;
  }
  res.end(pending);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new MockProviderError(413, 'too_large', `Request body exceeds ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function protocolOf(path: string, req: IncomingMessage): Protocol {
  if (path.startsWith('/v1beta/')) return 'gemini';
  return path.startsWith('/v1/messages') || (path === '/v1/models' && req.headers['anthropic-version'] !== undefined) ? 'anthropic' : 'openai';
}

function queryParam(url: string, name: string): string | undefined {
  const query = url.indexOf('?');
  return query < 0 ? undefined : (new URLSearchParams(url.slice(query + 1)).get(name) ?? undefined);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class MockServer {
  private active: ActiveConfig;
  private readonly faults = new FaultInjector();
  private readonly log = new RequestLog();
  readonly server: Server;

  constructor(config: MockConfig = {}) {
    this.active = activate(parseMockConfig(config));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const failure = error instanceof MockProviderError ? error : new MockProviderError(500, 'injected_failure', `mock provider bug: ${String(error)}`);
        sendError(res, 'openai', failure);
      });
    });
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  }

  setConfig(config: MockConfig): void {
    this.active = activate(parseMockConfig(config));
    this.faults.reset();
  }

  config(): MockConfig {
    return this.active.config;
  }

  /** Answers cut short: the client went away (or failMidStream dropped the connection). */
  abandoned = 0;

  requests(): RecordedRequest[] {
    return this.log.list();
  }

  resetRequests(): void {
    this.log.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const requestPath = query < 0 ? url : url.slice(0, query);
    const azure = azureRoute(requestPath);
    const path = azure?.path ?? requestPath;
    const method = req.method ?? 'GET';
    if (path.startsWith('/_mock/')) return this.handleAdmin(method, path, req, res);

    const protocol = protocolOf(path, req);
    const gemini = geminiRoute(method, path);
    const endpoint = gemini?.endpoint ?? ENDPOINTS.get(`${method} ${path}`);
    if (!endpoint) {
      return sendError(res, protocol, new MockProviderError(404, 'not_found', `Invalid URL (${method} ${path})`));
    }

    let body: Json = {};
    let recordedBody: unknown;
    let malformed = false;
    if (method === 'POST') {
      const text = await readBody(req);
      recordedBody = text;
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Json;
        else malformed = true;
        recordedBody = parsed;
      } catch {
        malformed = true;
      }
    }
    if (azure?.deployment !== undefined) body = { ...body, model: azure.deployment };
    const model = gemini?.model ?? (typeof body.model === 'string' ? body.model : undefined);
    const authorization = header(req, 'authorization');
    const xApiKey = header(req, 'x-api-key') ?? (azure ? header(req, 'api-key') : undefined);
    // Gemini clients send the key in x-goog-api-key, or (older ones) as ?key= in the URL.
    const googApiKey = protocol === 'gemini' ? (header(req, 'x-goog-api-key') ?? queryParam(url, 'key')) : undefined;
    const headers = googApiKey !== undefined ? { authorization, 'x-api-key': xApiKey, 'x-goog-api-key': googApiKey } : { authorization, 'x-api-key': xApiKey };
    this.log.record({ method, path: requestPath, model, headers, body: recordedBody, at: new Date().toISOString() });
    res.once('close', () => {
      if (!res.writableFinished) this.abandoned++;
    });

    const behaviour = this.active.behaviours.forModel(model ?? '*');
    const requestId = nextId(protocol === 'anthropic' ? 'req_' : protocol === 'gemini' ? '' : 'req-');
    const idHeaders: Record<string, string> = protocol === 'anthropic' ? { 'request-id': requestId } : protocol === 'gemini' ? {} : { 'x-request-id': requestId };
    try {
      if (malformed) {
        throw invalidRequest('We could not parse the JSON body of your request. The body must be a JSON object.');
      }
      const authError = checkApiKey(behaviour, presentedApiKey(authorization, googApiKey ?? xApiKey));
      if (authError) throw authError;

      switch (endpoint) {
        case 'models':
          return sendJson(res, 200, protocol === 'anthropic' ? this.active.anthropicModelList : this.active.openAIModelList, idHeaders);
        case 'count_tokens':
          return sendJson(res, 200, JSON.stringify({ input_tokens: countAnthropicInputTokens(body) }), idHeaders);
        case 'chat': {
          const plan = planChatCompletion(body, behaviour);
          if (!this.passesFaults(plan.model, behaviour)) return;
          const id = nextId('chatcmpl-');
          const created = Math.floor(Date.now() / 1000);
          if (plan.stream) return sendPacedStream(res, behaviour, renderChatCompletionStream(plan, id, created), idHeaders);
          return sendPacedJson(res, behaviour, plan.completionTokens, renderChatCompletion(plan, id, created), idHeaders);
        }
        case 'embeddings': {
          const plan = planEmbeddings(body);
          if (!this.passesFaults(plan.model, behaviour)) return;
          return sendPacedJson(res, behaviour, 0, renderEmbeddings(plan), idHeaders);
        }
        case 'messages': {
          const plan = planMessage(body, behaviour);
          if (!this.passesFaults(plan.model, behaviour)) return;
          const id = nextId('msg_');
          if (plan.stream) return sendPacedStream(res, behaviour, renderMessageStream(plan, id), idHeaders);
          return sendPacedJson(res, behaviour, plan.content.tokens, renderMessage(plan, id), idHeaders);
        }
        case 'generate':
        case 'stream_generate': {
          const plan = planGenerateContent(model as string, body, behaviour);
          if (!this.passesFaults(plan.model, behaviour)) return;
          const responseId = nextGeminiResponseId();
          if (endpoint === 'generate') return sendPacedJson(res, behaviour, plan.outputTokens, renderGenerateContent(plan, responseId), idHeaders);
          if (queryParam(url, 'alt') === 'sse') return sendPacedStream(res, behaviour, renderGenerateContentSse(plan, responseId), idHeaders);
          return sendPacedStream(res, behaviour, renderGenerateContentJsonArray(plan, responseId), { ...idHeaders, 'content-type': 'application/json; charset=UTF-8' });
        }
        case 'batch_embed': {
          const plan = planBatchEmbed(model as string, body);
          if (!this.passesFaults(plan.model, behaviour)) return;
          return sendPacedJson(res, behaviour, 0, renderBatchEmbed(plan), idHeaders);
        }
      }
    } catch (error) {
      if (error instanceof MockProviderError) return sendError(res, protocol, error);
      throw error;
    }
  }

  /** Throws the injected fault, returns false to hang (the socket stays open, no timer), true to answer. */
  private passesFaults(model: string, behaviour: ModelBehaviour): boolean {
    const fault = this.faults.nextFault(model, behaviour);
    if (fault) throw fault;
    return !behaviour.hang;
  }

  private async handleAdmin(method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = `${method} ${path}`;
    if (route === 'GET /_mock/config') return sendJson(res, 200, JSON.stringify(this.active.config));
    if (route === 'GET /_mock/stats') return sendJson(res, 200, JSON.stringify({ requests: this.log.list().length, abandoned: this.abandoned }));
    if (route === 'PUT /_mock/config') {
      try {
        this.setConfig(JSON.parse(await readBody(req)) as MockConfig);
      } catch (error) {
        const issues = error instanceof MockConfigError ? error.issues : [String(error instanceof Error ? error.message : error)];
        return sendJson(res, 400, JSON.stringify({ error: { message: 'invalid mock config', issues } }));
      }
      return sendJson(res, 200, JSON.stringify(this.active.config));
    }
    if (route === 'GET /_mock/requests') return sendJson(res, 200, JSON.stringify(this.log.list()));
    if (route === 'DELETE /_mock/requests') {
      this.log.clear();
      res.writeHead(204).end();
      return;
    }
    if (route === 'GET /_mock/health') return sendJson(res, 200, '{"status":"ok"}');
    return sendJson(res, 404, JSON.stringify({ error: { message: `Invalid URL (${route})` } }));
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const host = options.host ?? '127.0.0.1';
  const mock = new MockServer(options.config);
  const { server } = mock;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    setConfig: (config) => mock.setConfig(config),
    requests: () => mock.requests(),
    resetRequests: () => mock.resetRequests(),
    abandonedRequests: () => mock.abandoned,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Pooled keep-alive sockets and hung requests would otherwise hold close() open forever;
        // destroying them also fires each pending delay's 'close' handler, clearing its timer.
        server.closeAllConnections();
      }),
  };
}
