import type { DatabaseModule } from '@assay/platform';
import { CreateTenancy1764000000000 } from './migrations/1764000000000-create-tenancy';
import { TenantEntity } from './tenant.entity';
import { VirtualKeyEntity } from './virtual-key.entity';

/** The tenancy schema, owned by ingress. */
export const tenancyDatabase: DatabaseModule = {
  name: 'tenancy',
  entities: [TenantEntity, VirtualKeyEntity],
  migrations: [CreateTenancy1764000000000],
};
