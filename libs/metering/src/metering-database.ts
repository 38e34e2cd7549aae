import type { DatabaseModule } from '@assay/platform';
import { CreateMetering1764000000001 } from './migrations/1764000000001-create-metering';
import { PricedUsageAndAggregates1764000000002 } from './migrations/1764000000002-priced-usage-and-aggregates';
import { UsageDaily1764000000003 } from './migrations/1764000000003-usage-daily';
import { UsageRecordEntity } from './usage-record.entity';

/** The metering schema, owned by the metering service. */
export const meteringDatabase: DatabaseModule = {
  name: 'metering',
  entities: [UsageRecordEntity],
  migrations: [CreateMetering1764000000001, PricedUsageAndAggregates1764000000002, UsageDaily1764000000003],
};
