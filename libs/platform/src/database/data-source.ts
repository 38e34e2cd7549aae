// Opens a service's own PostgreSQL connection and applies its migrations. Each service owns one
// schema and keeps its own migrations table, so services can migrate independently.
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseModule {
  /** e.g. 'metering': also the name of the schema the migrations create. */
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

export async function openDatabase(url: string, modules: DatabaseModule[], applicationName = 'assay'): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    applicationName,
    entities: modules.flatMap((m) => m.entities as unknown[]) as MixedList<string>,
    synchronize: false,
    logging: false,
    // Why 10: enough for bursts of concurrent inserts; PostgreSQL's default limit is 100 in all.
    extra: { max: 10 },
  });
  await dataSource.initialize();
  for (const m of modules) {
    // One migrations table per module, so each service's history is its own.
    const runner = new DataSource({ ...dataSource.options, migrations: m.migrations, migrationsTableName: `${m.name}_migrations`, entities: [] } as typeof dataSource.options);
    await runner.initialize();
    try {
      await runner.runMigrations({ transaction: 'each' });
    } finally {
      await runner.destroy();
    }
  }
  return dataSource;
}
