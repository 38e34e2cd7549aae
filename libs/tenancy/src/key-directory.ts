// Ingress's in-memory view of the virtual keys: authentication on the hot path is a hash and a
// map lookup, never a database query. A refresher reloads it in the background.
import type { DataSource } from 'typeorm';
import { IsNull } from 'typeorm';
import { Logger } from '@assay/platform';
import { hashVirtualKey } from './virtual-key';
import { VirtualKeyEntity } from './virtual-key.entity';

export interface Principal {
  keyId: string;
  tenantId: string;
}

export class KeyDirectory {
  private byHash = new Map<string, Principal>();

  authenticate(key: string): Principal | undefined {
    return this.byHash.get(hashVirtualKey(key));
  }

  replace(entries: Iterable<[hash: string, principal: Principal]>): void {
    this.byHash = new Map(entries);
  }

  get size(): number {
    return this.byHash.size;
  }
}

/** Keeps a KeyDirectory in step with the database; a failed reload keeps the last good snapshot. */
export class KeyDirectoryRefresher {
  private timer: NodeJS.Timeout | null = null;
  private readonly log = new Logger('key-directory');

  constructor(private readonly db: DataSource, private readonly directory: KeyDirectory, private readonly intervalMs: number) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch((err) => this.log.warn('key reload failed', { error: String(err) })), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async reload(): Promise<void> {
    const keys = await this.db.getRepository(VirtualKeyEntity).find({ where: { revokedAt: IsNull() }, select: { id: true, tenantId: true, keyHash: true } });
    this.directory.replace(keys.map((k) => [k.keyHash, { keyId: k.id, tenantId: k.tenantId }]));
  }
}
