// The ingress step of a chat request, independent of the protocol it came in on: authenticate
// the virtual key against the in-memory directory, validate, attach the request context, and
// hand over to the router. No database or broker call happens here.
import { randomUUID } from 'node:crypto';
import type { ChatChunk, ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, RequestContext } from '@assay/contracts';
import { AssayError, deploymentsOf, type AssayConfig, type RouterPort } from '@assay/platform';
import type { KeyDirectory, Principal } from '@assay/tenancy';
import { validateChatBody, validateEmbeddingsBody } from './chat-request-validation';

export interface IncomingChat {
  authorization: string | undefined;
  body: unknown;
  requestId?: string;
  tags?: Record<string, string>;
  promptType?: string;
  /** How long the client is prepared to wait, when it says so. */
  timeoutMs?: number;
}

export interface IngressOptions {
  /** The deadline of a request whose client set none; a client's own timeout may only shorten it. */
  requestTimeoutMs: number;
  /** The models clients may ask for, with the provider that serves each. */
  models: ReadonlyArray<{ name: string; ownedBy: string }>;
}

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export class IngressChat {
  constructor(
    private readonly keys: KeyDirectory,
    private readonly router: RouterPort,
    private readonly options: IngressOptions,
  ) {
    // Models are fixed for the life of the process: the list is built once.
    const created = Math.floor(Date.now() / 1000);
    this.modelObjects = options.models.map((m) => ({ id: m.name, object: 'model', created, owned_by: m.ownedBy }));
  }

  private readonly modelObjects: ModelObject[];

  authenticate(authorization: string | undefined): Principal {
    const key = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    const principal = key ? this.keys.authenticate(key) : undefined;
    if (!principal) throw AssayError.invalidApiKey();
    return principal;
  }

  /** Builds the routed request; throws AssayError for a bad key or body before anything is sent. */
  prepare(incoming: IncomingChat): ChatRequest {
    const principal = this.authenticate(incoming.authorization);
    const { model, stream, body } = validateChatBody(incoming.body);
    return { context: this.context(principal, incoming, body), model, stream, openaiBody: Buffer.from(JSON.stringify(body)) };
  }

  prepareEmbeddings(incoming: IncomingChat): EmbedRequest {
    const principal = this.authenticate(incoming.authorization);
    const { model, body } = validateEmbeddingsBody(incoming.body);
    return { context: this.context(principal, incoming, body), model, openaiBody: Buffer.from(JSON.stringify(body)) };
  }

  /** The models this key may use, as OpenAI's list object. */
  listModels(authorization: string | undefined): { object: 'list'; data: ModelObject[] } {
    this.authenticate(authorization);
    return { object: 'list', data: this.modelObjects };
  }

  retrieveModel(authorization: string | undefined, id: string): ModelObject {
    this.authenticate(authorization);
    const found = this.modelObjects.find((m) => m.id === id);
    if (!found) throw AssayError.modelNotFound(id);
    return found;
  }

  embed(request: EmbedRequest, signal?: AbortSignal): Promise<EmbedResponse> {
    return this.router.embed(request, signal);
  }

  private context(principal: Principal, incoming: IncomingChat, body: Record<string, unknown>): RequestContext {
    const metadata = body.metadata && typeof body.metadata === 'object' ? (body.metadata as Record<string, unknown>) : {};
    return {
      requestId: incoming.requestId ?? randomUUID(),
      tenantId: principal.tenantId,
      teamId: '',
      keyId: principal.keyId,
      endUser: typeof body.user === 'string' ? body.user : '',
      tags: incoming.tags ?? {},
      promptType: incoming.promptType ?? (typeof metadata.prompt_type === 'string' ? metadata.prompt_type : ''),
      deadlineMs: Date.now() + Math.min(this.options.requestTimeoutMs, incoming.timeoutMs && incoming.timeoutMs > 0 ? incoming.timeoutMs : Infinity),
    };
  }

  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    return this.router.chat(request, signal);
  }

  chatStream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    return this.router.chatStream(request, signal);
  }
}

/** Ingress settings from the validated config. */
export function ingressOptionsFrom(config: AssayConfig): IngressOptions {
  return {
    requestTimeoutMs: config.reliability.requestTimeoutMs,
    models: config.models.map((m) => ({ name: m.name, ownedBy: deploymentsOf(m)[0].provider })),
  };
}
