import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventPublisher } from '@assay/messaging';
import type { DataSource } from 'typeorm';
import { CreditExpirySweep } from '../credit-expiry-sweep';
import { LeaseExpirySweep } from '../lease-expiry-sweep';
import type { PlanCatalog } from '../plan-assignments';
import { AdminTokenGuard } from './admin-token.guard';
import { BillingApiController } from './billing-api.controller';
import { BillingErrorFilter } from './billing-error.filter';
import { BudgetsApiController } from './budgets-api.controller';
import { CreditsApiController } from './credits-api.controller';
import { BILLING_ADMIN_TOKEN, BILLING_DB, BILLING_EVENTS, BILLING_PLANS } from './injection-tokens';
import { PlansApiController } from './plans-api.controller';
import { PriceOverridesApiController } from './price-overrides-api.controller';

export interface BillingApiOptions {
  host: string;
  port: number;
  adminToken: string;
  /** The plans tenants can be assigned (planCatalog(config)); without it plan changes answer 503. */
  plans?: PlanCatalog;
  /** Where recorded price overrides are published (the price-override topic); without it recording one answers 503. */
  events?: EventPublisher;
}

@Module({})
class BillingApiModule {
  static register(db: DataSource, options: BillingApiOptions): DynamicModule {
    return {
      module: BillingApiModule,
      controllers: [BillingApiController, CreditsApiController, BudgetsApiController, PlansApiController, PriceOverridesApiController],
      providers: [
        { provide: BILLING_DB, useValue: db },
        { provide: BILLING_ADMIN_TOKEN, useValue: options.adminToken },
        { provide: BILLING_PLANS, useValue: options.plans ?? null },
        { provide: BILLING_EVENTS, useValue: options.events ?? null },
        AdminTokenGuard,
        { provide: LeaseExpirySweep, useFactory: () => new LeaseExpirySweep(db) },
        { provide: CreditExpirySweep, useFactory: () => new CreditExpirySweep(db) },
      ],
    };
  }
}

export async function startBillingApi(db: DataSource, options: BillingApiOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(BillingApiModule.register(db, options), new FastifyAdapter({ logger: false }), { logger: ['error', 'warn'] });
  // Global, so malformed bodies and unknown routes get the same envelope as the controllers' errors.
  app.useGlobalFilters(new BillingErrorFilter());
  app.enableShutdownHooks();
  await app.listen(options.port, options.host);
  return app;
}
