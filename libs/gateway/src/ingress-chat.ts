// The ingress step of a chat request, independent of the protocol it came in on: authenticate
// the virtual key against the in-memory directory, validate, attach the request context, and
// hand over to the router. No database or broker call happens here.
import { randomUUID } from 'node:crypto';
import type { ChatChunk, ChatRequest, ChatResponse } from '@assay/contracts';
import { AssayError, type RouterPort } from '@assay/platform';
import type { KeyDirectory, Principal } from '@assay/tenancy';
import { validateChatBody } from './chat-request-validation';

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
}

export class IngressChat {
  constructor(
    private readonly keys: KeyDirectory,
    private readonly router: RouterPort,
    private readonly options: IngressOptions,
  ) {}

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
    const metadata = body.metadata && typeof body.metadata === 'object' ? (body.metadata as Record<string, unknown>) : {};
    return {
      context: {
        requestId: incoming.requestId ?? randomUUID(),
        tenantId: principal.tenantId,
        teamId: '',
        keyId: principal.keyId,
        endUser: typeof body.user === 'string' ? body.user : '',
        tags: incoming.tags ?? {},
        promptType: incoming.promptType ?? (typeof metadata.prompt_type === 'string' ? metadata.prompt_type : ''),
        deadlineMs: Date.now() + Math.min(this.options.requestTimeoutMs, incoming.timeoutMs && incoming.timeoutMs > 0 ? incoming.timeoutMs : Infinity),
      },
      model,
      stream,
      openaiBody: Buffer.from(JSON.stringify(body)),
    };
  }

  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    return this.router.chat(request, signal);
  }

  chatStream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    return this.router.chatStream(request, signal);
  }
}
