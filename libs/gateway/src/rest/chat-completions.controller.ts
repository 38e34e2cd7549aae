import { randomUUID } from 'node:crypto';
import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Outcome } from '@assay/contracts';
import { IngressChat } from '../ingress-chat';
import { singleHeader, tagsFromHeaders } from './request-headers';
import { writeSse } from './sse-response';

@Controller()
export class ChatCompletionsController {
  constructor(@Inject(IngressChat) private readonly ingress: IngressChat) {}

  @Post('v1/chat/completions')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = randomUUID();
    void reply.header('x-request-id', requestId);
    const request = this.ingress.prepare({
      authorization: singleHeader(req.headers, 'authorization'),
      body: req.body,
      requestId,
      tags: tagsFromHeaders(req.headers),
      promptType: singleHeader(req.headers, 'x-assay-prompt-type'),
      timeoutMs: clientTimeoutMs(req.headers),
    });

    // A client that goes away aborts every upstream call made on its behalf.
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });

    if (!request.stream) {
      const response = await this.ingress.chat(request, abort.signal);
      void reply.status(200).headers(outcomeHeaders(response.outcome)).header('content-type', 'application/json');
      await reply.send(Buffer.from(response.openaiBody));
      return;
    }

    const chunks = this.ingress.chatStream(request, abort.signal)[Symbol.asyncIterator]();
    const first = await chunks.next();
    reply.hijack();
    await writeSse(reply.raw, prepend(first, chunks), { 'x-request-id': requestId });
  }
}

@Controller()
export class HealthController {
  @Get('healthz')
  @HttpCode(200)
  health(): { status: string } {
    return { status: 'ok' };
  }
}

/**
 * The client's own deadline: `x-assay-timeout-ms`, or the timeout the official OpenAI SDKs
 * announce in `x-stainless-timeout` (seconds).
 */
function clientTimeoutMs(headers: FastifyRequest['headers']): number | undefined {
  const explicit = Number(singleHeader(headers, 'x-assay-timeout-ms'));
  if (explicit > 0) return explicit;
  const sdk = Number(singleHeader(headers, 'x-stainless-timeout'));
  return sdk > 0 ? sdk * 1000 : undefined;
}

function outcomeHeaders(outcome: Outcome | undefined): Record<string, string> {
  if (!outcome) return {};
  return { 'x-assay-model': outcome.servedModel, 'x-assay-attempts': String(outcome.attempts) };
}

/** Puts an already-pulled first result back in front of an iterator. */
function prepend<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncIterator<T> {
  let pending: IteratorResult<T> | null = first;
  return {
    next: async () => {
      if (pending) {
        const r = pending;
        pending = null;
        return r;
      }
      return rest.next();
    },
    return: async () => (rest.return ? rest.return() : { done: true, value: undefined }),
  };
}
