import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@assay/testing';
import { E2E_BODY_LIMIT_BYTES, providersYaml } from './gateway-models';

export interface ClusterPorts {
  http: number;
  grpc: number;
  router: number;
  connector: number;
  billing: number;
  parity: number;
}

export interface ClusterConfigOptions {
  /** Providers, models and prices instead of the shared E2E set ("MOCK" stands for the provider URL). */
  modelsYaml?: string;
  /** Lines of the `parity:` section (indented two spaces), e.g. its tenants' policies. */
  parityYaml?: string;
}

export const E2E_ADMIN_TOKEN = 'e2e-admin-token';

/** Writes a cluster config for one test run: its own ports and spill dir, the given provider URL. */
export async function writeClusterConfig(providerUrl: string, brokers: string[], options: ClusterConfigOptions = {}): Promise<{ path: string; ports: ClusterPorts }> {
  const ports = { http: await freePort(), grpc: await freePort(), router: await freePort(), connector: await freePort(), billing: await freePort(), parity: await freePort() };
  const dir = mkdtempSync(join(tmpdir(), 'assay-cluster-'));
  const path = join(dir, 'cluster.yaml');
  writeFileSync(
    path,
    `ingress: { host: 127.0.0.1, port: ${ports.http}, bodyLimitBytes: ${E2E_BODY_LIMIT_BYTES} }
gateway: { listen: 127.0.0.1:${ports.grpc} }
router: { listen: 127.0.0.1:${ports.router}, address: 127.0.0.1:${ports.router} }
connector: { listen: 127.0.0.1:${ports.connector}, address: 127.0.0.1:${ports.connector} }
kafka: { brokers: ${JSON.stringify(brokers)}, spillDir: ${JSON.stringify(join(dir, 'spill'))} }
snapshotRefreshMs: 200
billing: { port: ${ports.billing}, adminToken: ${E2E_ADMIN_TOKEN} }
reliability: { backoff: { baseMs: 10, maxMs: 100 } }
${options.modelsYaml ? options.modelsYaml.replaceAll('MOCK', providerUrl) : providersYaml(providerUrl)}
parity:
  port: ${ports.parity}
${options.parityYaml ?? ''}`,
  );
  return { path, ports };
}

