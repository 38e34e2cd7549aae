import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { IngressChat } from '../ingress-chat';
import { AnthropicMessagesController } from './anthropic-messages.controller';
import { ChatCompletionsController, EmbeddingsController, HealthController, ModelsController } from './openai-api.controllers';
import { OpenAIErrorFilter } from './openai-error.filter';

/** The OpenAI-compatible REST API, bound to an IngressChat built by the wiring. */
@Module({})
export class RestApiModule {
  static register(ingress: IngressChat): DynamicModule {
    return {
      module: RestApiModule,
      controllers: [ChatCompletionsController, EmbeddingsController, ModelsController, AnthropicMessagesController, HealthController],
      providers: [
        { provide: IngressChat, useValue: ingress },
        { provide: APP_FILTER, useClass: OpenAIErrorFilter },
      ],
    };
  }
}
