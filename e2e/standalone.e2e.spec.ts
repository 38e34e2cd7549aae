// The standalone wiring as `npm start` runs it: one process, embedded PostgreSQL, in-process
// events, the fake provider started alongside, driven by the official OpenAI SDK.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Client } from 'pg';
import { eventually, freePort, startService, type ServiceProcess } from '@assay/testing';
import { apiConformanceTests } from './api-conformance';
import { E2E_BODY_LIMIT_BYTES, E2E_MOCK_CONFIG, providersYaml } from './gateway-models';

describe('standalone wiring', () => {
  const apiKey = 'sk-assay-standalone-e2e-key-0123456789';
  let dir: string;
  let standalone: ServiceProcess;
  let client: OpenAI;
  let pg: Client;
  let httpBase: string;
  let grpcAddress: string;
  let mockUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'assay-standalone-'));
    // When tests run as root, PostgreSQL runs as its own user and must be able to enter the dir.
    chmodSync(dir, 0o755);
    const [http, grpc, mockPort, pgPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const config = join(dir, 'standalone.yaml');
    writeFileSync(
      config,
      `ingress: { host: 127.0.0.1, port: ${http}, bodyLimitBytes: ${E2E_BODY_LIMIT_BYTES} }
gateway: { listen: 127.0.0.1:${grpc} }
database: { embedded: { dataDir: ${JSON.stringify(join(dir, 'postgres'))}, port: ${pgPort} } }
mockProvider: { port: ${mockPort} }
${providersYaml(`http://127.0.0.1:${mockPort}`)}
bootstrapKeys:
  - { tenant: demo, key: ${apiKey} }
`,
    );
    standalone = await startService('standalone', { ASSAY_CONFIG: config }, 'Assay is ready');
    // The fake provider runs inside the standalone process; it is configured over its own API.
    await fetch(`http://127.0.0.1:${mockPort}/_mock/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(E2E_MOCK_CONFIG) });
    httpBase = `http://127.0.0.1:${http}`;
    grpcAddress = `127.0.0.1:${grpc}`;
    mockUrl = `http://127.0.0.1:${mockPort}`;
    client = new OpenAI({ baseURL: `http://127.0.0.1:${http}/v1`, apiKey, maxRetries: 0 });
    pg = new Client(`postgres://assay:assay@127.0.0.1:${pgPort}/assay`);
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    const code = await standalone?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  async function kinds(requestId: string): Promise<string[]> {
    const { rows } = await pg.query('SELECT kind FROM metering.usage_records WHERE request_id = $1 ORDER BY kind', [requestId]);
    return rows.map((r: { kind: string }) => r.kind);
  }

  it('answers a chat completion from the bootstrap key and meters it in the embedded database', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'mock-large', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(data.choices[0].message.role).toBe('assistant');
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(await eventually(() => kinds(response.headers.get('x-request-id')!), (k) => k.length === 2)).toEqual(['attempt', 'request']);
  });

  apiConformanceTests(() => ({ httpBase, grpcAddress, apiKey, mockUrl }));

  it('streams a chat completion end to end', async () => {
    const stream = await client.chat.completions.create({ model: 'mock-large', stream: true, messages: [{ role: 'user', content: 'hello' }] });
    const parts: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      parts.push(chunk.choices[0]?.delta?.content ?? '');
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(parts.join('').length).toBeGreaterThan(0);
    expect(finish).toBe('stop');
  });
});
