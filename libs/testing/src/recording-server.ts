// A tiny node:http provider stand-in for adapter specs: records each call and answers with a
// canned body, written in small pieces so stream parsing across chunk boundaries is exercised.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface CannedResponse {
  status?: number;
  headers?: Record<string, string>;
  body: string;
}

export interface RecordingServer {
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

// Small enough that every SSE event of a fixture is split across several writes.
const PIECE_BYTES = 7;

export async function startRecordingServer(respond: (call: RecordedCall) => CannedResponse): Promise<RecordingServer> {
  const calls: RecordedCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the raw text
      }
      const call: RecordedCall = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      calls.push(call);
      const answer = respond(call);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      const bytes = Buffer.from(answer.body, 'utf8');
      let offset = 0;
      const writeNext = () => {
        if (offset >= bytes.length) return void res.end();
        res.write(bytes.subarray(offset, offset + PIECE_BYTES));
        offset += PIECE_BYTES;
        setImmediate(writeNext);
      };
      writeNext();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
