// OpenAI embeddings body ↔ Gemini batchEmbedContents. Pure. Gemini reports no token usage for
// embeddings, so the OpenAI response carries zeros and the adapter reports usage as unknown.
import { ProviderHttpError, type OpenAIEmbeddingsBody, type OpenAIObject } from '@assay/providers-spec';
import { isObject } from './translate-request';

type Json = Record<string, unknown>;

export function geminiEmbedRequestFromOpenAI(body: OpenAIEmbeddingsBody, modelId: string): Json {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((i) => typeof i === 'string')) {
    throw new ProviderHttpError(400, 'gemini: embeddings input must be a string or an array of strings (token arrays are not supported)');
  }
  return {
    requests: inputs.map((text) => ({
      model: `models/${modelId}`,
      content: { parts: [{ text }] },
      ...(typeof body.dimensions === 'number' ? { outputDimensionality: body.dimensions } : {}),
    })),
  };
}

function base64Floats(values: number[]): string {
  const floats = Float32Array.from(values);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export function openAIEmbeddingsFromGemini(response: Json, model: string, encodingFormat: unknown): OpenAIObject {
  const embeddings = Array.isArray(response.embeddings) ? response.embeddings.filter(isObject) : [];
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => {
      const values = Array.isArray(embedding.values) ? (embedding.values as number[]) : [];
      return { object: 'embedding', index, embedding: encodingFormat === 'base64' ? base64Floats(values) : values };
    }),
    model,
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
}
