// OpenAI chat-completions body → Gemini generateContent request. Pure. What Gemini cannot express
// is rejected with a 400 ProviderHttpError naming the field; what has no effect there (user,
// logit_bias, parallel_tool_calls) is dropped. Schemas go in Gemini's JSON-Schema fields
// (parametersJsonSchema, responseJsonSchema), so OpenAI schemas pass unchanged.
import { ProviderHttpError, type OpenAIChatBody } from '@assay/providers-spec';

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unsupported(message: string): ProviderHttpError {
  return new ProviderHttpError(400, `gemini: ${message}`);
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function mimeFromUrl(url: string): string {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? '';
  return MIME_BY_EXTENSION[extension] ?? 'image/jpeg';
}

function dataUrlPart(url: string): Json | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { inlineData: { mimeType: match[1], data: match[2] } } : undefined;
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

function userPart(part: unknown, where: string): Json {
  if (!isObject(part)) throw unsupported(`${where}: a content part must be an object`);
  switch (part.type) {
    case 'text':
      return { text: String(part.text ?? '') };
    case 'image_url': {
      const url = isObject(part.image_url) ? String(part.image_url.url ?? '') : String(part.image_url ?? '');
      // Remote images are passed by URI (Gemini fetches them); the adapter never downloads them.
      return dataUrlPart(url) ?? { fileData: { mimeType: mimeFromUrl(url), fileUri: url } };
    }
    case 'input_audio': {
      const audio = isObject(part.input_audio) ? part.input_audio : {};
      return { inlineData: { mimeType: `audio/${String(audio.format ?? 'wav')}`, data: String(audio.data ?? '') } };
    }
    case 'file': {
      const file = isObject(part.file) ? part.file : {};
      const inline = typeof file.file_data === 'string' ? dataUrlPart(file.file_data) : undefined;
      if (!inline) throw unsupported(`${where}: file parts need inline file_data (a base64 data: URL); file_id is not supported`);
      return inline;
    }
    default:
      throw unsupported(`${where}: content part type '${String(part.type)}' is not supported`);
  }
}

/** Gemini's functionResponse.response must be an object: JSON objects pass, anything else is wrapped. */
function functionResponseOf(content: string): Json {
  try {
    const value: unknown = JSON.parse(content);
    return isObject(value) ? value : { result: value };
  } catch {
    return { result: content };
  }
}

function translateContents(messages: unknown[]): { system: Json[]; contents: Json[] } {
  const system: Json[] = [];
  const contents: Json[] = [];
  // Gemini's functionResponse names the function; OpenAI's tool message only names the call id.
  const functionNameByCallId = new Map<string, string>();
  messages.forEach((message, i) => {
    const where = `messages[${i}]`;
    if (!isObject(message)) throw unsupported(`${where}: must be an object`);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push({ text: textOf(message.content, where) });
        return;
      case 'user': {
        const parts = typeof message.content === 'string' ? [{ text: message.content }] : Array.isArray(message.content) ? message.content.map((p) => userPart(p, where)) : [];
        if (parts.length === 0) throw unsupported(`${where}: user content must not be empty`);
        contents.push({ role: 'user', parts });
        return;
      }
      case 'assistant': {
        const parts: Json[] = [];
        const text = textOf(message.content, where);
        if (text) parts.push({ text });
        for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
          if (!isObject(call) || !isObject(call.function)) throw unsupported(`${where}: tool_calls entries must be function calls`);
          const name = String(call.function.name);
          functionNameByCallId.set(String(call.id), name);
          let args: unknown;
          try {
            args = JSON.parse(typeof call.function.arguments === 'string' && call.function.arguments ? call.function.arguments : '{}');
          } catch {
            throw unsupported(`${where}: tool call '${name}' has arguments that are not valid JSON`);
          }
          parts.push({ functionCall: { name, args } });
        }
        // An empty assistant turn has nothing to say to Gemini, which rejects empty parts.
        if (parts.length > 0) contents.push({ role: 'model', parts });
        return;
      }
      case 'tool': {
        const callId = String(message.tool_call_id ?? '');
        const name = functionNameByCallId.get(callId);
        if (!name) throw unsupported(`${where}: tool_call_id '${callId}' does not match a tool call of an earlier assistant message`);
        const part = { functionResponse: { name, response: functionResponseOf(textOf(message.content, where)) } };
        const previous = contents[contents.length - 1];
        const previousParts = previous?.parts as Json[] | undefined;
        // Parallel calls are answered by consecutive tool messages: one user turn of responses.
        if (previous?.role === 'user' && previousParts?.every((p) => 'functionResponse' in p)) previousParts.push(part);
        else contents.push({ role: 'user', parts: [part] });
        return;
      }
      default:
        throw unsupported(`${where}: role '${String(message.role)}' is not supported`);
    }
  });
  return { system, contents };
}

function translateTools(tools: unknown): Json[] {
  if (!Array.isArray(tools)) throw unsupported('tools must be an array');
  const functionDeclarations = tools.map((tool, i) => {
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) throw unsupported(`tools[${i}]: only function tools are supported`);
    const fn = tool.function;
    return {
      name: String(fn.name),
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      ...(isObject(fn.parameters) ? { parametersJsonSchema: fn.parameters } : {}),
    };
  });
  return functionDeclarations.length > 0 ? [{ functionDeclarations }] : [];
}

function translateToolChoice(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  throw unsupported(`tool_choice ${JSON.stringify(choice)} is not supported`);
}

function generationConfigOf(body: OpenAIChatBody): Json {
  const config: Json = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (typeof body.temperature === 'number') config.temperature = body.temperature;
  if (typeof body.top_p === 'number') config.topP = body.top_p;
  if (body.stop != null) config.stopSequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (typeof body.n === 'number' && body.n !== 1) config.candidateCount = body.n;
  if (typeof body.presence_penalty === 'number') config.presencePenalty = body.presence_penalty;
  if (typeof body.frequency_penalty === 'number') config.frequencyPenalty = body.frequency_penalty;
  if (typeof body.seed === 'number') config.seed = body.seed;
  const format = isObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    const spec = isObject(format.json_schema) ? format.json_schema : {};
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = isObject(spec.schema) ? spec.schema : { type: 'object' };
  }
  return config;
}

export function geminiRequestFromOpenAI(body: OpenAIChatBody): Json {
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw unsupported('messages must be a non-empty array');
  const { system, contents } = translateContents(body.messages);
  const request: Json = { contents };
  if (system.length > 0) request.systemInstruction = { parts: system };
  if (body.tools != null) {
    const tools = translateTools(body.tools);
    if (tools.length > 0) {
      request.tools = tools;
      const toolConfig = translateToolChoice(body.tool_choice);
      if (toolConfig) request.toolConfig = toolConfig;
    }
  }
  const generationConfig = generationConfigOf(body);
  if (Object.keys(generationConfig).length > 0) request.generationConfig = generationConfig;
  return request;
}

/** The model id in Gemini URLs: "gemini-2.5-flash" whether configured with or without "models/". */
export function geminiModelId(upstreamModel: string): string {
  return upstreamModel.replace(/^models\//, '');
}
