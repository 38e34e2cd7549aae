import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { BILLING_ADMIN_TOKEN, BILLING_DB, BillingApiController } from './billing-api.controller';

@Module({})
class BillingApiModule {
  static register(db: DataSource, adminToken: string): DynamicModule {
    return {
      module: BillingApiModule,
      controllers: [BillingApiController],
      providers: [
        { provide: BILLING_DB, useValue: db },
        { provide: BILLING_ADMIN_TOKEN, useValue: adminToken },
      ],
    };
  }
}

export async function startBillingApi(db: DataSource, options: { host: string; port: number; adminToken: string }): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(BillingApiModule.register(db, options.adminToken), new FastifyAdapter({ logger: false }), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(options.port, options.host);
  return app;
}
