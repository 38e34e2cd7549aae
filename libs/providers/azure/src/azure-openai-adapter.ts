// Adapter for Azure OpenAI: the OpenAI chat-completions wire at Azure's URLs with Azure's `api-key`
// header. Everything else (bodies, streaming, usage, errors) is OpenAI's, so the OpenAI adapter
// does the work; this file only decides where a call goes. It must never translate bodies.
import { OpenAIAdapter, type OpenAIOperation, type OpenAIRoute } from '@assay/providers-openai';
import type {
  OpenAIChatBody,
  OpenAIEmbeddingsBody,
  ProviderAdapter,
  ProviderChatResult,
  ProviderEmbeddingsResult,
  ProviderStreamEvent,
  ProviderTarget,
} from '@assay/providers-spec';

/**
 * The URL of one call. `target.baseUrl` is the resource endpoint (https://NAME.openai.azure.com;
 * a trailing /openai or /openai/v1 is tolerated), `target.upstreamModel` the deployment name.
 * With `apiVersion`: the dated deployments API; without: Azure's version-less /openai/v1 API,
 * where the deployment goes in the body's `model` (the OpenAI adapter already puts it there).
 */
export function azureOpenAIRoute(target: ProviderTarget, operation: OpenAIOperation): OpenAIRoute {
  const root = target.baseUrl.replace(/\/+$/, '').replace(/\/openai(\/v1)?$/, '');
  const headers: Record<string, string> = target.apiKey ? { 'api-key': target.apiKey } : {};
  if (target.apiVersion) {
    const deployment = encodeURIComponent(target.upstreamModel);
    return { url: `${root}/openai/deployments/${deployment}/${operation}?api-version=${encodeURIComponent(target.apiVersion)}`, headers };
  }
  return { url: `${root}/openai/v1/${operation}`, headers };
}

export class AzureOpenAIAdapter implements ProviderAdapter {
  private readonly openai = new OpenAIAdapter({ route: azureOpenAIRoute });

  chat(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderChatResult> {
    return this.openai.chat(body, target, signal);
  }

  chatStream(body: OpenAIChatBody, target: ProviderTarget, signal: AbortSignal): AsyncIterable<ProviderStreamEvent> {
    return this.openai.chatStream(body, target, signal);
  }

  embeddings(body: OpenAIEmbeddingsBody, target: ProviderTarget, signal: AbortSignal): Promise<ProviderEmbeddingsResult> {
    return this.openai.embeddings(body, target, signal);
  }
}
