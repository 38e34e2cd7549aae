import type { DatabaseModule } from '@assay/platform';
import { CreateParity1764000000200 } from './migrations/1764000000200-create-parity';

/** The parity schema, owned by the evaluator. Queried with SQL; no entities. */
export const parityDatabase: DatabaseModule = {
  name: 'parity',
  entities: [],
  migrations: [CreateParity1764000000200],
};
