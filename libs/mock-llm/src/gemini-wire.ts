// Gemini API wire format for the mock provider: reads generateContent / streamGenerateContent /
// batchEmbedContents request bodies, renders GenerateContentResponse JSON, its SSE stream (CRLF
// framed, as Google sends it), embeddings and Google's error envelope. Pure (no I/O):
// mock-server.ts owns sockets, pacing and fault injection.
import { type AnswerFormat, generateAnswer, generateToolCall, streamPieces } from './answer-generator';
import { embeddingVector } from './embedding-vector';
import { answeringModel, type ModelBehaviour } from './mock-config';
import { invalidRequest, type MockProviderError } from './mock-provider-error';
import { nextId } from './response-ids';
import type { StreamFrame } from './stream-frame';
import { countTextTokens } from './token-count';

type Json = Record<string, unknown>;

const DEFAULT_EMBEDDING_DIMENSIONS = 8; // as the OpenAI wire: fixtures stay readable
const MAX_CANDIDATES = 8; // Gemini's own limit for candidateCount

export type GeminiCandidatePlan =
  | { readonly kind: 'text'; readonly text: string; readonly tokens: number; readonly truncated: boolean }
  | { readonly kind: 'function_call'; readonly name: string; readonly args: unknown; readonly tokens: number };

export interface GeminiGeneratePlan {
  readonly model: string;
  readonly candidates: readonly GeminiCandidatePlan[];
  readonly promptTokens: number;
  readonly outputTokens: number;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function partsText(content: unknown): string {
  if (!isObject(content) || !Array.isArray(content.parts)) return '';
  return content.parts
    .filter(isObject)
    .map((p) => (typeof p.text === 'string' ? p.text : isObject(p.functionResponse) ? JSON.stringify(p.functionResponse.response ?? {}) : ''))
    .filter(Boolean)
    .join('\n');
}

function promptOf(contents: readonly unknown[]): string {
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i];
    if (isObject(c) && (c.role === 'user' || c.role === undefined)) return partsText(c);
  }
  return '';
}

function hasFunctionResponse(content: unknown): boolean {
  return isObject(content) && Array.isArray(content.parts) && content.parts.some((p) => isObject(p) && isObject(p.functionResponse));
}

function countPromptTokens(body: Json, contents: readonly unknown[]): number {
  let tokens = 3;
  if (body.systemInstruction !== undefined) tokens += countTextTokens(partsText(body.systemInstruction));
  for (const c of contents) tokens += 3 + countTextTokens(partsText(c));
  if (Array.isArray(body.tools) && body.tools.length > 0) tokens += countTextTokens(JSON.stringify(body.tools));
  return tokens;
}

function chosenFunction(body: Json, contents: readonly unknown[]): { name: string; parameters: unknown } | undefined {
  const declarations = (Array.isArray(body.tools) ? body.tools : [])
    .flatMap((t) => (isObject(t) && Array.isArray(t.functionDeclarations) ? t.functionDeclarations : []))
    .filter((d): d is Json => isObject(d) && typeof d.name === 'string');
  const config = isObject(body.toolConfig) && isObject(body.toolConfig.functionCallingConfig) ? body.toolConfig.functionCallingConfig : {};
  const mode = String(config.mode ?? 'AUTO');
  if (declarations.length === 0 || mode === 'NONE') return undefined;
  let offered = declarations;
  if (Array.isArray(config.allowedFunctionNames) && config.allowedFunctionNames.length > 0) {
    const allowed = new Set(config.allowedFunctionNames.map(String));
    offered = declarations.filter((d) => allowed.has(String(d.name)));
    if (offered.length === 0) throw invalidRequest('* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: names not found in function_declarations', 'toolConfig');
  }
  // After a function response the model answers in text unless a call is forced, so agent loops end.
  if (mode !== 'ANY' && hasFunctionResponse(contents[contents.length - 1])) return undefined;
  const first = offered[0] as Json;
  return { name: String(first.name), parameters: first.parametersJsonSchema ?? first.parameters };
}

function answerFormat(generationConfig: Json): AnswerFormat {
  if (generationConfig.responseMimeType !== 'application/json') return { type: 'text' };
  const schema = generationConfig.responseJsonSchema ?? generationConfig.responseSchema;
  return schema === undefined ? { type: 'json_object' } : { type: 'json_schema', schema };
}

export function planGenerateContent(model: string, body: Json, behaviour: ModelBehaviour): GeminiGeneratePlan {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) throw invalidRequest('* GenerateContentRequest.contents: contents is not specified', 'contents');
  const generationConfig = isObject(body.generationConfig) ? body.generationConfig : {};
  const maxTokens = generationConfig.maxOutputTokens;
  if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw invalidRequest('* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer', 'generationConfig.maxOutputTokens');
  }
  const count = generationConfig.candidateCount ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_CANDIDATES) {
    throw invalidRequest(`* GenerateContentRequest.generation_config.candidate_count: must be between 1 and ${MAX_CANDIDATES}`, 'generationConfig.candidateCount');
  }
  const prompt = promptOf(contents);
  const voice = answeringModel(behaviour, model, prompt);
  const format = answerFormat(generationConfig);
  const fn = chosenFunction(body, contents);
  const candidates: GeminiCandidatePlan[] = [];
  let outputTokens = 0;
  for (let index = 0; index < count; index++) {
    if (fn) {
      const call = generateToolCall(voice, prompt, fn);
      candidates.push({ kind: 'function_call', name: call.name, args: JSON.parse(call.argumentsJson) as unknown, tokens: call.tokens });
      outputTokens += call.tokens;
    } else {
      const answer = generateAnswer({ model: voice, prompt, choiceIndex: index, format, maxTokens: maxTokens as number | undefined, reply: behaviour.reply, invalidJson: behaviour.invalidJson });
      candidates.push({ kind: 'text', text: answer.text, tokens: answer.tokens, truncated: answer.truncated });
      outputTokens += answer.tokens;
    }
  }
  return { model, candidates, promptTokens: countPromptTokens(body, contents), outputTokens };
}

function usageMetadata(plan: GeminiGeneratePlan, outputTokens: number): Json {
  return {
    promptTokenCount: plan.promptTokens,
    candidatesTokenCount: outputTokens,
    totalTokenCount: plan.promptTokens + outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: plan.promptTokens }],
  };
}

function finishReasonOf(candidate: GeminiCandidatePlan): string {
  return candidate.kind === 'text' && candidate.truncated ? 'MAX_TOKENS' : 'STOP';
}

function partOf(candidate: GeminiCandidatePlan): Json {
  return candidate.kind === 'text' ? { text: candidate.text } : { functionCall: { name: candidate.name, args: candidate.args } };
}

export function renderGenerateContent(plan: GeminiGeneratePlan, responseId: string): string {
  return JSON.stringify({
    candidates: plan.candidates.map((c, index) => ({ content: { parts: [partOf(c)], role: 'model' }, finishReason: finishReasonOf(c), index })),
    usageMetadata: usageMetadata(plan, plan.outputTokens),
    modelVersion: plan.model,
    responseId,
  });
}

/** The partial GenerateContentResponses of a stream, in order; the last carries finishReason. */
function streamResponses(plan: GeminiGeneratePlan, responseId: string): { json: Json; tokens: number }[] {
  const out: { json: Json; tokens: number }[] = [];
  let emitted = 0;
  plan.candidates.forEach((c, index) => {
    const pieces: { part: Json; tokens: number }[] =
      c.kind === 'text' ? streamPieces(c.text).map((text) => ({ part: { text }, tokens: countTextTokens(text) })) : [{ part: partOf(c), tokens: c.tokens }];
    if (pieces.length === 0) pieces.push({ part: { text: '' }, tokens: 0 });
    pieces.forEach((piece, n) => {
      emitted += piece.tokens;
      const last = n === pieces.length - 1;
      const candidate: Json = { content: { parts: [piece.part], role: 'model' }, index };
      if (last) candidate.finishReason = finishReasonOf(c);
      out.push({ json: { candidates: [candidate], usageMetadata: usageMetadata(plan, emitted), modelVersion: plan.model, responseId }, tokens: piece.tokens });
    });
  });
  return out;
}

/** `alt=sse`: one `data:` event per partial response, CRLF-framed. */
export function renderGenerateContentSse(plan: GeminiGeneratePlan, responseId: string): StreamFrame[] {
  return streamResponses(plan, responseId).map(({ json, tokens }) => ({ text: `data: ${JSON.stringify(json)}\r\n\r\n`, tokens }));
}

/** Without `alt=sse`, Gemini streams one JSON array of the partial responses. */
export function renderGenerateContentJsonArray(plan: GeminiGeneratePlan, responseId: string): StreamFrame[] {
  const responses = streamResponses(plan, responseId);
  return responses.map(({ json, tokens }, i) => ({ text: `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(json)}${i === responses.length - 1 ? ']' : ''}`, tokens }));
}

export interface GeminiEmbedPlan {
  readonly model: string;
  readonly requests: readonly { readonly text: string; readonly dimensions: number }[];
}

export function planBatchEmbed(model: string, body: Json): GeminiEmbedPlan {
  if (!Array.isArray(body.requests) || body.requests.length === 0) throw invalidRequest('* BatchEmbedContentsRequest.requests: requests is not specified', 'requests');
  const requests = body.requests.map((r, i) => {
    if (!isObject(r) || !isObject(r.content)) throw invalidRequest(`* BatchEmbedContentsRequest.requests[${i}].content: content is not specified`, 'requests');
    if (typeof r.model === 'string' && r.model !== `models/${model}`) {
      throw invalidRequest(`* BatchEmbedContentsRequest.requests[${i}].model: Model names should match the model in the URL (models/${model}).`, 'requests');
    }
    const dimensions = r.outputDimensionality ?? DEFAULT_EMBEDDING_DIMENSIONS;
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 4096) {
      throw invalidRequest(`* BatchEmbedContentsRequest.requests[${i}].output_dimensionality: must be between 1 and 4096`, 'requests');
    }
    return { text: partsText(r.content), dimensions };
  });
  return { model, requests };
}

export function renderBatchEmbed(plan: GeminiEmbedPlan): string {
  return JSON.stringify({ embeddings: plan.requests.map((r) => ({ values: Array.from(embeddingVector(plan.model, r.text, r.dimensions)) })) });
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function renderGeminiError(error: MockProviderError): string {
  const status = STATUS_NAMES[error.status] ?? (error.status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  const details: Json[] = [];
  if (error.retryAfterSeconds !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${error.retryAfterSeconds}s` });
  return JSON.stringify({ error: { code: error.status, message: error.message, status, ...(details.length > 0 ? { details } : {}) } });
}

export function nextGeminiResponseId(): string {
  return nextId('');
}
