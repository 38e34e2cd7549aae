// The prompt type of a chat request: which template it was rendered from, so that parity is judged
// per task and not across a tenant's whole traffic. Pure: a hash of the request body alone, never a
// lookup, and it never reads the model, sampling parameters or metadata (the same template sent to
// another model, or with another temperature, is the same task).
//
// What the fingerprint keeps (its skeleton, also shown to people when listing sample prompts):
// - the leading system/developer messages, with token-like variable spans masked (dates, times,
//   numbers, uuids and other ids, emails, urls). Quoted text is kept there, because in instructions
//   it is usually the task's fixed vocabulary ('answer "billing" or "refund"'). "developer" is
//   written as "system": OpenAI treats them alike, and SDKs send either for the same prompt;
// - when the system prompt is short or absent ("You are a helpful assistant."), the first user
//   turn's instruction head: the text up to its first colon ("Translate the following to French:",
//   "Ticket:"), masked as above plus quoted strings and code. Everything else a user types is the
//   placeholder {{text}}: with a substantial system prompt the task is named there, and tickets or
//   chat messages that happen to contain a colon ("the app says: …") must not each become a type.
//   Images, audio and files are {{image}}, {{audio}}, {{file}};
// - the role the model is replying to (user, tool, or assistant for a prefill): an agent choosing a
//   tool and an agent summarising a tool's result are different tasks for a cheaper model;
// - declared tool names (sorted) and the response format, with its schema as canonical JSON.
//
// Conversation length is deliberately NOT part of it: turns after the first user turn, however many,
// are the conversation's variable content. A chat app sends one system prompt and sessions of every
// length; splitting them by turn count would scatter one task's evidence over many prompt types,
// each needing its own 30+ comparisons, while the candidate is asked to do the same job throughout.
// For the same reason a user turn is variable unless it shows a template head: free chat openers
// ("Tell me a joke") must not each become a prompt type. Templates this cannot see (a task named
// only by free user text, or variable context pasted into a system prompt) should carry an
// explicit label, which always wins.

import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { ChatCompletionBody, ChatContent, contentText, declaredFunctions, messagesOf } from './openai-chat-shapes';

export interface PromptFingerprint {
  /** 'pt_' + the first 16 hex digits of sha256(skeleton): 64 bits, no collisions within a tenant in practice. */
  promptType: string;
  /** The masked template, one line per element; equal skeletons are exactly equal prompt types. */
  skeleton: string;
}

/** An instruction head longer than this is not a head but the start of free text. */
const MAX_HEAD_CHARS = 160;
/** Raw characters masked to find a head: room for urls and quotes that mask down to a short head. */
const HEAD_SCAN_CHARS = 1000;
/**
 * Below this many characters (after masking) the system prompt is boilerplate that names no task,
 * so the user turn's head must. 100 is about twenty words: longer than the stock persona lines SDKs
 * and tutorials send, shorter than any prompt that states a task, its labels or its format.
 */
const GENERIC_INSTRUCTIONS_MAX_CHARS = 100;

export function resolvePromptType(explicitLabel: string | undefined, body: ChatCompletionBody): string {
  if (isLabel(explicitLabel)) return explicitLabel;
  const fromMetadata = body.metadata?.prompt_type;
  if (isLabel(fromMetadata)) return fromMetadata;
  return fingerprintPrompt(body).promptType;
}

export function fingerprintPrompt(body: ChatCompletionBody): PromptFingerprint {
  const skeleton = skeletonLines(body).join('\n');
  const digest = createHash('sha256').update(skeleton).digest('hex');
  return { promptType: `pt_${digest.slice(0, 16)}`, skeleton };
}

function isLabel(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function skeletonLines(body: ChatCompletionBody): string[] {
  const messages = messagesOf(body);
  const lines: string[] = [];
  let instructionChars = 0;
  for (let i = 0; i < messages.length && isInstruction(messages[i].role); i++) {
    const text = maskInstructionText(contentText(messages[i].content));
    instructionChars += text.length;
    if (text !== '') lines.push(`system: ${text}`);
  }
  const firstUser = messages.find((m) => m.role === 'user');
  const keepHead = instructionChars < GENERIC_INSTRUCTIONS_MAX_CHARS;
  if (firstUser) lines.push(`user: ${userTemplate(firstUser.content, keepHead)}`);
  const last = messages.at(-1);
  if (last) lines.push(`reply to: ${isInstruction(last.role) ? 'system' : last.role}`);

  const tools = [...declaredFunctions(body).keys()].sort();
  if (tools.length > 0) lines.push(`tools: ${tools.join(', ')}`);
  const format = body.response_format;
  if (format?.type === 'json_schema') {
    const { name, schema } = format.json_schema ?? {};
    lines.push(`response_format: json_schema ${name ?? ''} ${canonicalJson(schema ?? null)}`);
  } else if (format?.type === 'json_object') {
    lines.push('response_format: json_object');
  }
  return lines;
}

function isInstruction(role: string): boolean {
  return role === 'system' || role === 'developer';
}

function userTemplate(content: ChatContent | undefined, keepHead: boolean): string {
  const parts = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
  const rendered = parts.map((part) => {
    if (part?.type === 'text') return userTextTemplate(part.text ?? '', keepHead);
    if (part?.type === 'image_url') return '{{image}}';
    if (part?.type === 'input_audio') return '{{audio}}';
    return `{{${String(part?.type ?? 'part').replace(/\W/g, '')}}}`;
  });
  // Two images or two pasted text parts are the same template as one.
  return rendered
    .filter((text) => text !== '')
    .join(' ')
    .replace(/(\{\{\w+\}\})(?: \1)+/g, '$1')
    .trim();
}

function userTextTemplate(text: string, keepHead: boolean): string {
  if (text.trim() === '') return '';
  if (!keepHead) return '{{text}}';
  // Only the head matters, so only the start is masked: a pasted document costs nothing.
  const masked = maskUserText(text.slice(0, HEAD_SCAN_CHARS));
  const colon = masked.search(/:(?:\s|$)/);
  if (colon < 0 || colon + 1 > MAX_HEAD_CHARS) return '{{text}}';
  const head = masked.slice(0, colon + 1);
  const rest = masked.slice(colon + 1).trim() !== '' || text.length > HEAD_SCAN_CHARS;
  return rest ? `${head} {{text}}` : head;
}

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const DAY = '\\d{1,2}(?:st|nd|rd|th)?';

/**
 * Token-like variable spans, most specific first: a url's digits must go with the url, not become
 * {{n}}. Each pattern can start only at the beginning of a token (a \b or a lookbehind), so a long
 * run of characters is scanned once rather than from every position: this runs on every request.
 */
const TOKEN_MASKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bdata:[\w/+.-]+;base64,[A-Za-z0-9+/=]+/g, '{{url}}'],
  [/(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`)\]}]+/gi, '{{url}}'],
  [/\bwww\.[^\s<>"'`)\]}]+/gi, '{{url}}'],
  [/(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '{{email}}'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '{{id}}'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/gi, '{{date}}'],
  [/\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/g, '{{date}}'],
  [new RegExp(`\\b${MONTH}\\s+${DAY}\\b(?:,?\\s+\\d{4})?`, 'gi'), '{{date}}'],
  [new RegExp(`\\b${DAY}\\s+${MONTH}(?:,?\\s+\\d{4})?`, 'gi'), '{{date}}'],
  [/\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b/gi, '{{date}}'],
  [/\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]m\b|\s?[ap]\.m\.)?/gi, '{{time}}'],
  // Ids: long hex (hashes, object ids) and letter-digit tokens such as cus_Nf3kA9 or A1B2C3.
  [/(?<![\w-])(?:[A-Za-z]+[_-])?(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{6,}\b/g, '{{id}}'],
  [/\d+(?:[.,]\d+)*/g, '{{n}}'],
];

/** Spans that, in a user's turn, are what the user supplies: code, and text in quotes. */
const QUOTE_MASKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?<!`)```[\s\S]*?```/g, '{{code}}'],
  [/"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|`[^`\n]+`/g, '{{quoted}}'],
  // A single-quoted span must start and end at a word boundary, so apostrophes (don't, Ann's) are not quotes.
  [/(?<![\w'])'[^'\n]+'(?![\w'])/g, '{{quoted}}'],
];

/**
 * System prompts repeat on every request of their template, so their masked text is remembered.
 * 1000 entries: more templates than one gateway serves, and a few megabytes of text at most.
 */
const maskedInstructions = new Map<string, string>();
const MASKED_INSTRUCTIONS_MAX = 1000;

function maskInstructionText(text: string): string {
  const cached = maskedInstructions.get(text);
  if (cached !== undefined) return cached;
  const masked = collapseWhitespace(applyMasks(text, TOKEN_MASKS));
  if (maskedInstructions.size >= MASKED_INSTRUCTIONS_MAX) maskedInstructions.delete(maskedInstructions.keys().next().value as string);
  maskedInstructions.set(text, masked);
  return masked;
}

function maskUserText(text: string): string {
  return collapseWhitespace(applyMasks(applyMasks(text, QUOTE_MASKS), TOKEN_MASKS));
}

function applyMasks(text: string, masks: ReadonlyArray<readonly [RegExp, string]>): string {
  return masks.reduce((acc, [pattern, placeholder]) => acc.replace(pattern, placeholder), text);
}

function collapseWhitespace(text: string): string {
  // Replaces only what changes: runs, and single whitespace that is not a space.
  return text.replace(/\s\s+|[^\S ]/g, ' ').trim();
}
