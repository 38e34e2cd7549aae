// The parts of OpenAI chat-completions bodies and assistant messages that the parity engine reads.
// Local and deliberately loose: these are client JSON as sent, so every field may be missing, and
// the parity code must never throw on a shape it did not expect (the gateway validated the body).

/** A JSON Schema as a client sends it: any JSON object (or a boolean schema). */
export type JsonSchema = Record<string, unknown> | boolean;

export interface ChatContentPart {
  type: string;
  text?: string;
  image_url?: { url?: string };
}

export type ChatContent = string | ChatContentPart[] | null;

export interface ChatToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChatMessage {
  role: string;
  content?: ChatContent;
  tool_calls?: ChatToolCall[];
}

/** An assistant message from `choices[i].message` of a chat.completion. */
export interface AssistantMessage {
  role?: string;
  content?: ChatContent;
  tool_calls?: ChatToolCall[] | null;
  refusal?: string | null;
}

export interface ChatTool {
  type?: string;
  function?: { name?: string; description?: string; parameters?: JsonSchema };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type?: string; function?: { name?: string } };

export interface ResponseFormat {
  type?: string;
  json_schema?: { name?: string; schema?: JsonSchema; strict?: boolean | null };
}

export interface ChatCompletionBody {
  messages?: ChatMessage[];
  tools?: ChatTool[];
  tool_choice?: ToolChoice;
  response_format?: ResponseFormat;
  metadata?: Record<string, unknown>;
}

/** The text of a message's content; non-text parts are left out. */
export function contentText(content: ChatContent | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part) => part?.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n');
}

export function messagesOf(body: ChatCompletionBody): ChatMessage[] {
  return Array.isArray(body.messages) ? body.messages.filter((m) => m && typeof m === 'object') : [];
}

export function toolCallsOf(message: AssistantMessage): ChatToolCall[] {
  return Array.isArray(message.tool_calls) ? message.tool_calls : [];
}

/** Declared function tools by name; tools of other types are not callable as functions. */
export function declaredFunctions(body: ChatCompletionBody): Map<string, ChatTool> {
  const byName = new Map<string, ChatTool>();
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    const name = tool?.function?.name;
    if ((tool.type === undefined || tool.type === 'function') && typeof name === 'string') byName.set(name, tool);
  }
  return byName;
}
