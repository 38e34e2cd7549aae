import { randomUUID } from 'node:crypto';
import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Outcome } from '@assay/contracts';
import { formatUsd } from '@assay/pricing';
import { IngressChat } from '../ingress-chat';
import { incomingFrom, singleHeader } from './request-headers';
import { writeSse } from './sse-response';

@Controller()
export class ChatCompletionsController {
  constructor(@Inject(IngressChat) private readonly ingress: IngressChat) {}

  @Post('v1/chat/completions')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = randomUUID();
    void reply.header('x-request-id', requestId);
    const request = this.ingress.prepare(incomingFrom(req, requestId));

    const abort = abortOnClose(reply);

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
export class EmbeddingsController {
  constructor(@Inject(IngressChat) private readonly ingress: IngressChat) {}

  @Post('v1/embeddings')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = randomUUID();
    void reply.header('x-request-id', requestId);
    const request = this.ingress.prepareEmbeddings(incomingFrom(req, requestId));
    const abort = abortOnClose(reply);
    const response = await this.ingress.embed(request, abort.signal);
    void reply.status(200).headers(outcomeHeaders(response.outcome)).header('content-type', 'application/json');
    await reply.send(Buffer.from(response.openaiBody));
  }
}

@Controller()
export class ModelsController {
  constructor(@Inject(IngressChat) private readonly ingress: IngressChat) {}

  @Get('v1/models')
  list(@Req() req: FastifyRequest) {
    return this.ingress.listModels(singleHeader(req.headers, 'authorization'));
  }

  @Get('v1/models/:model')
  retrieve(@Req() req: FastifyRequest, @Param('model') model: string) {
    return this.ingress.retrieveModel(singleHeader(req.headers, 'authorization'), model);
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

export function outcomeHeaders(outcome: Outcome | undefined): Record<string, string> {
  if (!outcome) return {};
  const headers: Record<string, string> = { 'x-assay-model': outcome.servedModel, 'x-assay-attempts': String(outcome.attempts) };
  // USD with 9 decimals: a small completion costs a few millionths of a dollar.
  if (outcome.costPico) headers['x-assay-cost'] = formatUsd(BigInt(outcome.costPico), 9);
  return headers;
}

/** A client that goes away aborts every upstream call made on its behalf. */
export function abortOnClose(reply: FastifyReply): AbortController {
  const abort = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return abort;
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
