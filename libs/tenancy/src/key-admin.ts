// Creating tenants and keys: used by the bootstrap CLI and, later, the admin API.
import type { DataSource } from 'typeorm';
import { TenantEntity } from './tenant.entity';
import { displayPrefix, generateVirtualKey, hashVirtualKey } from './virtual-key';
import { VirtualKeyEntity } from './virtual-key.entity';

export interface IssuedKey {
  key: string;
  keyId: string;
  tenantId: string;
  tenantName: string;
}

export async function ensureTenant(db: DataSource, name: string): Promise<TenantEntity> {
  const repo = db.getRepository(TenantEntity);
  await repo.createQueryBuilder().insert().values({ name }).orIgnore().execute();
  return repo.findOneByOrFail({ name });
}

export async function issueVirtualKey(db: DataSource, tenantName: string, keyName = 'default'): Promise<IssuedKey> {
  const tenant = await ensureTenant(db, tenantName);
  const key = generateVirtualKey();
  const saved = await db.getRepository(VirtualKeyEntity).save({
    tenantId: tenant.id,
    name: keyName,
    keyHash: hashVirtualKey(key),
    keyPrefix: displayPrefix(key),
    revokedAt: null,
  });
  return { key, keyId: saved.id, tenantId: tenant.id, tenantName: tenant.name };
}

/** Makes sure a given key exists for the tenant; idempotent, for keys supplied as configuration. */
export async function ensureVirtualKey(db: DataSource, tenantName: string, key: string, keyName = 'bootstrap'): Promise<void> {
  const tenant = await ensureTenant(db, tenantName);
  await db
    .getRepository(VirtualKeyEntity)
    .createQueryBuilder()
    .insert()
    .values({ tenantId: tenant.id, name: keyName, keyHash: hashVirtualKey(key), keyPrefix: displayPrefix(key), revokedAt: null })
    .orIgnore()
    .execute();
}
