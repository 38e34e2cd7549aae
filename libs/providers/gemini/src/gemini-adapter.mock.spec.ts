import { adapterAgainstMockProvider } from '@assay/testing';
import { GeminiAdapter } from './gemini-adapter';

adapterAgainstMockProvider('GeminiAdapter', new GeminiAdapter(), 'gemini', 'gemini-2.5-flash');
