// Boots the REST API on Fastify. Why Fastify: it is the faster of Nest's two HTTP adapters, and
// the hot path's overhead budget is under a millisecond.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IngressChat } from '../ingress-chat';
import { RestApiModule } from './rest-api.module';

export interface RestApiOptions {
  host: string;
  port: number;
  bodyLimitBytes: number;
}

export async function startRestApi(ingress: IngressChat, options: RestApiOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    RestApiModule.register(ingress),
    new FastifyAdapter({ bodyLimit: options.bodyLimitBytes, logger: false }),
    { logger: ['error', 'warn'] },
  );
  app.enableShutdownHooks();
  await app.listen(options.port, options.host);
  return app;
}
