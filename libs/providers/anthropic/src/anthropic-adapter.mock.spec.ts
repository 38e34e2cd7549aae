import { adapterAgainstMockProvider } from '@assay/testing';
import { AnthropicAdapter } from './anthropic-adapter';

adapterAgainstMockProvider('AnthropicAdapter', new AnthropicAdapter(), 'anthropic', 'claude-haiku-4-5');
