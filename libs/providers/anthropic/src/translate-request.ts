// OpenAI chat-completions body → Anthropic Messages request. Pure. What cannot be expressed on
// Anthropic's wire is rejected with a 400 ProviderHttpError naming the field, never silently
// changed; what has no effect there (seed, penalties, logit_bias, logprobs) is dropped.
import { ProviderHttpError, type OpenAIChatBody } from '@assay/providers-spec';

type Json = Record<string, unknown>;

/** Anthropic requires max_tokens; OpenAI clients usually omit it. */
export const DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicRequestPlan {
  /** The /v1/messages body. */
  request: Json;
  /**
   * Set when response_format json_schema was asked for: the name of the forced tool whose input is
   * the structured answer. The response translation turns that tool call back into message content.
   */
  structuredOutputTool?: string;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unsupported(message: string): ProviderHttpError {
  return new ProviderHttpError(400, `anthropic: ${message}`);
}

/** `data:image/png;base64,AAAA` → its media type and payload, else undefined. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1] as string, data: match[2] as string } : undefined;
}

function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (content == null) return '';
  if (!Array.isArray(content)) throw unsupported(`${where}: content must be a string or an array of parts`);
  return content
    .map((part) => {
      if (isObject(part) && (part.type === 'text' || part.type === 'refusal')) return String(part.text ?? part.refusal ?? '');
      throw unsupported(`${where}: only text parts are allowed here`);
    })
    .join('\n');
}

function userBlock(part: unknown, where: string): Json {
  if (!isObject(part)) throw unsupported(`${where}: a content part must be an object`);
  switch (part.type) {
    case 'text':
      return { type: 'text', text: String(part.text ?? '') };
    case 'image_url': {
      const url = isObject(part.image_url) ? String(part.image_url.url ?? '') : String(part.image_url ?? '');
      const inline = parseDataUrl(url);
      return { type: 'image', source: inline ? { type: 'base64', media_type: inline.mediaType, data: inline.data } : { type: 'url', url } };
    }
    case 'file': {
      const file = isObject(part.file) ? part.file : {};
      const inline = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : undefined;
      if (!inline) throw unsupported(`${where}: file parts need inline file_data (a base64 data: URL); file_id is not supported`);
      return { type: 'document', source: { type: 'base64', media_type: inline.mediaType, data: inline.data } };
    }
    default:
      throw unsupported(`${where}: content part type '${String(part.type)}' is not supported`);
  }
}

function userContent(content: unknown, where: string): string | Json[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw unsupported(`${where}: content must be a string or an array of parts`);
  return content.map((part) => userBlock(part, where));
}

function toolUseBlock(call: unknown, where: string): Json {
  const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
  if (!fn || !isObject(call)) throw unsupported(`${where}: tool_calls entries must be function calls`);
  const raw = typeof fn.arguments === 'string' && fn.arguments.trim() !== '' ? fn.arguments : '{}';
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch {
    throw unsupported(`${where}: tool call '${String(fn.name)}' has arguments that are not valid JSON`);
  }
  if (!isObject(input)) throw unsupported(`${where}: tool call '${String(fn.name)}' arguments must be a JSON object`);
  return { type: 'tool_use', id: String(call.id), name: String(fn.name), input };
}

function assistantContent(message: Json, where: string): string | Json[] {
  const text = textOf(message.content, where);
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  if (calls.length === 0) return text;
  const blocks: Json[] = text ? [{ type: 'text', text }] : [];
  calls.forEach((call, i) => blocks.push(toolUseBlock(call, `${where}.tool_calls[${i}]`)));
  return blocks;
}

function toolResultBlock(message: Json, where: string): Json {
  if (typeof message.tool_call_id !== 'string') throw unsupported(`${where}: tool messages need tool_call_id`);
  const content = typeof message.content === 'string' ? message.content : textOf(message.content, where);
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content };
}

function translateMessages(messages: unknown[]): { system: Json[]; messages: Json[] } {
  const system: Json[] = [];
  const out: Json[] = [];
  messages.forEach((message, i) => {
    const where = `messages[${i}]`;
    if (!isObject(message)) throw unsupported(`${where}: must be an object`);
    switch (message.role) {
      case 'system':
      case 'developer':
        // Anthropic has one system prompt, so system messages anywhere in the conversation join it.
        system.push({ type: 'text', text: textOf(message.content, where) });
        return;
      case 'user':
        out.push({ role: 'user', content: userContent(message.content, where) });
        return;
      case 'assistant':
        out.push({ role: 'assistant', content: assistantContent(message, where) });
        return;
      case 'tool': {
        const block = toolResultBlock(message, where);
        const previous = out[out.length - 1];
        // Parallel tool calls come back as consecutive tool messages: one user turn of results.
        if (previous?.role === 'user' && Array.isArray(previous.content) && previous.content.every((b) => isObject(b) && b.type === 'tool_result')) {
          previous.content.push(block);
        } else {
          out.push({ role: 'user', content: [block] });
        }
        return;
      }
      default:
        throw unsupported(`${where}: role '${String(message.role)}' is not supported`);
    }
  });
  return { system, messages: out };
}

function translateTools(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw unsupported('tools must be an array');
  return tools.map((tool, i) => {
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) throw unsupported(`tools[${i}]: only function tools are supported`);
    const fn = tool.function;
    return {
      name: String(fn.name),
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
    };
  });
}

function translateToolChoice(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') return { type: 'tool', name: choice.function.name };
  throw unsupported(`tool_choice ${JSON.stringify(choice)} is not supported`);
}

/** Anthropic tool names: ^[a-zA-Z0-9_-]{1,64}$. */
function toolName(name: unknown): string {
  const cleaned = String(name ?? '').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned || 'structured_output';
}

export function anthropicRequestFromOpenAI(body: OpenAIChatBody, upstreamModel: string, stream: boolean): AnthropicRequestPlan {
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw unsupported('messages must be a non-empty array');
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw unsupported('n > 1 is not supported');
  const { system, messages } = translateMessages(body.messages);
  const request: Json = { model: upstreamModel, max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS, messages };

  const responseFormat = isObject(body.response_format) ? body.response_format : undefined;
  if (responseFormat?.type === 'json_object') {
    // No JSON mode on Anthropic: the instruction is the documented way to ask for bare JSON.
    system.push({ type: 'text', text: 'Respond with a single valid JSON object and nothing else.' });
  }
  if (system.length === 1) request.system = system[0]?.text;
  else if (system.length > 1) request.system = system;

  let tools = body.tools !== undefined && body.tools !== null ? translateTools(body.tools) : undefined;
  let toolChoice = tools ? translateToolChoice(body.tool_choice) : undefined;
  let structuredOutputTool: string | undefined;
  if (responseFormat?.type === 'json_schema') {
    // Structured output as a forced tool: the model must "call" a tool whose input_schema is the
    // requested schema, and the response translation returns that input as the message content.
    const spec = isObject(responseFormat.json_schema) ? responseFormat.json_schema : {};
    structuredOutputTool = toolName(spec.name);
    const outputTool: Json = {
      name: structuredOutputTool,
      description: typeof spec.description === 'string' ? spec.description : 'Give the final answer as this tool input.',
      input_schema: isObject(spec.schema) ? spec.schema : { type: 'object' },
    };
    const userTools = tools ?? [];
    // With the client's own tools on offer, the model may call one of them or answer; otherwise it must answer.
    const keepsClientChoice = userTools.length > 0 && toolChoice?.type !== 'none';
    tools = [...userTools, outputTool];
    toolChoice = keepsClientChoice ? (toolChoice?.type === 'tool' ? toolChoice : { type: 'any' }) : { type: 'tool', name: structuredOutputTool };
  }
  if (tools) request.tools = tools;
  if (body.parallel_tool_calls === false && tools) toolChoice = { ...(toolChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  if (toolChoice && toolChoice.type === 'none') delete toolChoice.disable_parallel_tool_use;
  if (toolChoice) request.tool_choice = toolChoice;

  if (body.stop !== undefined && body.stop !== null) request.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (typeof body.user === 'string') request.metadata = { user_id: body.user };
  if (stream) request.stream = true;
  return structuredOutputTool ? { request, structuredOutputTool } : { request };
}
