import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ParityStore } from '../parity-store';
import type { SampleEvaluator } from '../sample-evaluator';
import { PARITY_ADMIN_TOKEN, PARITY_EVALUATOR, PARITY_STORE, ParityApiController } from './parity-api.controller';

@Module({})
class ParityApiModule {
  static register(store: ParityStore, evaluator: SampleEvaluator, adminToken: string): DynamicModule {
    return {
      module: ParityApiModule,
      controllers: [ParityApiController],
      providers: [
        { provide: PARITY_STORE, useValue: store },
        { provide: PARITY_EVALUATOR, useValue: evaluator },
        { provide: PARITY_ADMIN_TOKEN, useValue: adminToken },
      ],
    };
  }
}

export async function startParityApi(store: ParityStore, evaluator: SampleEvaluator, options: { host: string; port: number; adminToken: string }): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(ParityApiModule.register(store, evaluator, options.adminToken), new FastifyAdapter({ logger: false }), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(options.port, options.host);
  return app;
}
