import { AssayError } from '@assay/platform';
import { validateChatBody } from './chat-request-validation';

function errorOf(body: unknown): AssayError {
  try {
    validateChatBody(body);
  } catch (err) {
    return err as AssayError;
  }
  throw new Error('expected validation to fail');
}

describe('validateChatBody', () => {
  const messages = [{ role: 'user', content: 'hi' }];

  it('accepts a minimal body and reports whether it streams', () => {
    expect(validateChatBody({ model: 'm', messages })).toMatchObject({ model: 'm', stream: false });
    expect(validateChatBody({ model: 'm', messages, stream: true }).stream).toBe(true);
  });

  it('keeps every field the client sent, unknown ones included', () => {
    const body = { model: 'm', messages, tools: [{ type: 'function' }], seed: 7, x_vendor: { a: 1 } };
    expect(validateChatBody(body).body).toEqual(body);
  });

  it('rejects a missing model as OpenAI does', () => {
    const e = errorOf({ messages });
    expect(e.status).toBe(400);
    expect(e.toOpenAIEnvelope().error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
  });

  it('rejects missing, non-array and empty messages naming the parameter', () => {
    expect(errorOf({ model: 'm' }).toOpenAIEnvelope().error).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
    expect(errorOf({ model: 'm', messages: 'hi' }).code).toBe('invalid_type');
    expect(errorOf({ model: 'm', messages: [] }).code).toBe('empty_array');
  });

  it('rejects a message without a role', () => {
    expect(errorOf({ model: 'm', messages: [{ content: 'x' }] }).param).toBe('messages[0].role');
  });

  it('rejects a body that is not an object', () => {
    expect(errorOf([1, 2]).status).toBe(400);
    expect(errorOf('text').status).toBe(400);
  });

  it('rejects a non-boolean stream flag', () => {
    expect(errorOf({ model: 'm', messages, stream: 'yes' }).param).toBe('stream');
  });
});
