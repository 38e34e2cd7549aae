// The programmatic judge: scores a candidate's answer against the baseline's on the same request
// without asking an LLM, wherever the answer's form makes that possible. Pure; it returns null
// for free text, which only the pairwise LLM judge can score, and never guesses.
//
// Rules, in order (1 candidate better, 0.5 tie, 0 loss):
// 1. The candidate's answer is not the structured output the request asked for
//    (validateStructuredOutput) → 0. The baseline's is not, but the candidate's is → 1.
// 2. Either answer calls tools → 0.5 when both call the same tools in the same order with arguments
//    that agree field by field, else 0. Answering in text where the baseline called a tool (or the
//    reverse) is a different action, not a matter of taste.
// 3. A json_schema or json_object request → 0.5 when the two JSON values agree field by field,
//    else 0. Agreement: strings equal after trimming, collapsing inner whitespace and ignoring
//    case; numbers equal within 1e-9 (relative, for magnitudes above 1); key order ignored, a
//    missing key equal to null; arrays element by element in order; booleans and null exactly.
//    There is no partial credit: the baseline is the reference, and a field that differs from it is
//    a wrong field as far as the caller's code is concerned.
// 4. Text (no response format, or a tools request both answered in text) whose baseline answer is
//    a short label (at most 4 words and 40 characters, like a classifier's "billing") → 0.5 when the
//    labels are equal after the string normalisation above (also ignoring surrounding quotes and a
//    final full stop), else 0. A short label is read by code, so a synonym is a miss.
// 5. Anything else is free text → null.

import { ComparisonScore } from './betting-wealth';
import { AssistantMessage, ChatCompletionBody, ChatToolCall, contentText, toolCallsOf } from './openai-chat-shapes';
import { structuredOutputKind, validateStructuredOutput } from './structured-output';

/** A classifier's label fits easily; a sentence of explanation does not. */
const SHORT_LABEL_MAX_WORDS = 4;
const SHORT_LABEL_MAX_CHARS = 40;
/** Tolerance for numbers: well below any precision a model writes, above binary rounding noise. */
const NUMBER_TOLERANCE = 1e-9;

export function judgeStructured(
  body: ChatCompletionBody,
  baseline: AssistantMessage,
  candidate: AssistantMessage,
): ComparisonScore | null {
  if (!validateStructuredOutput(body, candidate).valid) return 0;
  if (!validateStructuredOutput(body, baseline).valid) return 1;

  const baselineCalls = toolCallsOf(baseline);
  const candidateCalls = toolCallsOf(candidate);
  if (baselineCalls.length > 0 || candidateCalls.length > 0) return sameToolCalls(baselineCalls, candidateCalls) ? 0.5 : 0;

  const kind = structuredOutputKind(body);
  if (kind === 'json_schema' || kind === 'json_object') {
    return sameJsonText(contentText(baseline.content), contentText(candidate.content)) ? 0.5 : 0;
  }
  return judgeShortLabel(contentText(baseline.content), contentText(candidate.content));
}

function judgeShortLabel(baseline: string, candidate: string): ComparisonScore | null {
  const label = baseline.trim();
  const words = label.split(/\s+/).length;
  if (label === '' || label.length > SHORT_LABEL_MAX_CHARS || words > SHORT_LABEL_MAX_WORDS) return null;
  return normaliseLabel(label) === normaliseLabel(candidate) ? 0.5 : 0;
}

function sameToolCalls(baseline: ChatToolCall[], candidate: ChatToolCall[]): boolean {
  return (
    baseline.length === candidate.length &&
    baseline.every(
      (call, i) =>
        call.function?.name === candidate[i].function?.name &&
        sameJsonText(call.function?.arguments ?? '', candidate[i].function?.arguments ?? ''),
    )
  );
}

function sameJsonText(baseline: string, candidate: string): boolean {
  try {
    return sameValue(JSON.parse(baseline), JSON.parse(candidate));
  } catch {
    return false;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return normaliseString(a) === normaliseString(b);
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= NUMBER_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key] ?? null, b[key] ?? null));
  }
  return a === b;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normaliseString(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function normaliseLabel(text: string): string {
  return normaliseString(text)
    .replace(/^(["'`])(.*)\1$/, '$2')
    .replace(/\.$/, '')
    .trim();
}
