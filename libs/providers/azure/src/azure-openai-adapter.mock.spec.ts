import { adapterAgainstMockProvider } from '@assay/testing';
import { AzureOpenAIAdapter } from './azure-openai-adapter';

adapterAgainstMockProvider('AzureOpenAIAdapter', new AzureOpenAIAdapter(), 'azure-openai', 'gpt-4o-prod', { apiVersion: '2024-10-21' });
