// Anthropic-compatible /v1/messages: the request is translated to Assay's OpenAI lingua franca at
// the edge, travels the same hot path as any chat request, and the answer is translated back,
// streaming included. Errors leave in Anthropic's envelope (see OpenAIErrorFilter).
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AssayError } from '@assay/platform';
import {
  AnthropicRequestInvalid,
  AnthropicStreamEncoder,
  anthropicResponseFromOpenAI,
  anthropicStreamErrorEvent,
  openAIRequestFromAnthropic,
} from '@assay/providers-anthropic';
import { IngressChat } from '../ingress-chat';
import { abortOnClose, outcomeHeaders } from './openai-api.controllers';
import { incomingFrom, singleHeader } from './request-headers';

@Controller()
export class AnthropicMessagesController {
  constructor(@Inject(IngressChat) private readonly ingress: IngressChat) {}

  @Post('v1/messages')
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = randomUUID();
    void reply.header('x-request-id', requestId).header('request-id', requestId);
    // Anthropic clients send the key as x-api-key; some send a bearer token instead.
    const apiKey = singleHeader(req.headers, 'x-api-key');
    const authorization = apiKey ? `Bearer ${apiKey}` : singleHeader(req.headers, 'authorization');
    this.ingress.authenticate(authorization);
    const body = translateRequest(req.body);
    const request = this.ingress.prepare({ ...incomingFrom(req, requestId), authorization, body });
    const requestedModel = request.model;
    const abort = abortOnClose(reply);

    if (!request.stream) {
      const response = await this.ingress.chat(request, abort.signal);
      const completion = JSON.parse(Buffer.from(response.openaiBody).toString('utf8'));
      void reply.status(200).headers(outcomeHeaders(response.outcome)).header('content-type', 'application/json');
      await reply.send(anthropicResponseFromOpenAI(completion, requestedModel));
      return;
    }

    const chunks = this.ingress.chatStream(request, abort.signal)[Symbol.asyncIterator]();
    let next = await chunks.next();
    reply.hijack();
    const raw = reply.raw;
    const servedModel = next.done ? undefined : next.value.servedModel;
    raw.writeHead(200, {
      'x-request-id': requestId,
      'request-id': requestId,
      ...(servedModel ? { 'x-assay-model': servedModel } : {}),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const encoder = new AnthropicStreamEncoder(requestedModel);
    const write = async (frames: string[]) => {
      for (const frame of frames) if (!raw.write(frame) && !raw.destroyed) await once(raw, 'drain');
    };
    try {
      for (; !next.done; next = await chunks.next()) {
        if (next.value.openaiChunk) await write(encoder.push(JSON.parse(Buffer.from(next.value.openaiChunk).toString('utf8'))));
        if (raw.destroyed) break;
      }
      if (!raw.destroyed) {
        await write(encoder.finish());
        raw.end();
      }
    } catch (err) {
      const e = AssayError.from(err);
      if (!raw.destroyed) raw.end(anthropicStreamErrorEvent(e.status, e.message));
    } finally {
      if (!next.done) await chunks.return?.();
    }
  }
}

function translateRequest(body: unknown): Record<string, unknown> {
  try {
    return openAIRequestFromAnthropic(body);
  } catch (err) {
    if (err instanceof AnthropicRequestInvalid) throw AssayError.invalidRequest(err.message);
    throw err;
  }
}
