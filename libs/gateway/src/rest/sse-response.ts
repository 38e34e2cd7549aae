// Streams OpenAI chunks to an HTTP client as server-sent events, with backpressure. The status
// line is written only once the first chunk arrived, so a failure before it still gets a proper
// error status; a failure after it can only be reported inside the stream.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ChatChunk, Outcome } from '@assay/contracts';
import { AssayError } from '@assay/platform';

const DONE = 'data: [DONE]\n\n';

export async function writeSse(
  raw: ServerResponse,
  chunks: AsyncIterator<ChatChunk>,
  headers: Record<string, string>,
): Promise<Outcome | undefined> {
  let next = await chunks.next();
  const servedModel = next.done ? undefined : next.value.servedModel;
  raw.writeHead(200, {
    ...headers,
    // Attempts and cost are only known at the end of a stream; the model answering is known now.
    ...(servedModel ? { 'x-assay-model': servedModel } : {}),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  let outcome: Outcome | undefined;
  try {
    for (; !next.done; next = await chunks.next()) {
      const chunk = next.value;
      if (chunk.outcome) {
        outcome = chunk.outcome;
        continue;
      }
      if (chunk.openaiChunk && !raw.write(`data: ${Buffer.from(chunk.openaiChunk).toString('utf8')}\n\n`)) {
        const drained = await Promise.race([once(raw, 'drain').then(() => true), once(raw, 'close').then(() => false)]);
        if (!drained) break;
      }
    }
    if (!raw.destroyed) raw.end(DONE);
  } catch (err) {
    if (!raw.destroyed) raw.end(`data: ${JSON.stringify(AssayError.from(err).toOpenAIEnvelope())}\n\n`);
  } finally {
    // Stops the upstream call when we stopped early because the client went away.
    if (!next.done) await chunks.return?.();
  }
  return outcome;
}
