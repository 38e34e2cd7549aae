// The billing API on a free port against the real PostgreSQL, and a small client for it: what
// every billing integration test starts from. Each test file still names and cleans up its data.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { billingDatabase, startBillingApi } from '@assay/billing';
import { openDatabase } from '@assay/platform';
import { freePort, localInfra } from '@assay/testing';

export interface Reply {
  status: number;
  /** The parsed JSON body, when the answer is JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The raw body of an answer that is not JSON (CSV, say). */
  text?: string;
}

export interface BillingApiHarness {
  db: DataSource;
  api: NestFastifyApplication;
  /** The API's base URL, for requests the client below cannot make (a malformed body, say). */
  base: string;
  /** Calls the API with the admin token, or with `token` (null: none). */
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<Reply>;
}

export async function startBillingApiHarness(
  name: string,
  adminToken: string,
  options: Omit<Parameters<typeof startBillingApi>[1], 'host' | 'port' | 'adminToken'> = {},
): Promise<BillingApiHarness> {
  const db = await openDatabase(localInfra().databaseUrl, [billingDatabase], name);
  const port = await freePort();
  const api = await startBillingApi(db, { host: '127.0.0.1', port, adminToken, ...options });
  const base = `http://127.0.0.1:${port}/v1/billing`;
  return {
    db,
    api,
    base,
    async call(method, path, body, token = adminToken) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.headers.get('content-type')?.includes('json')) return { status: res.status, body: text ? JSON.parse(text) : undefined };
      return { status: res.status, body: undefined, text };
    },
  };
}
