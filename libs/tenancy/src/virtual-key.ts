import { hash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'sk-assay-';

/** 32 random bytes: unguessable, so a fast unsalted hash is a safe lookup key. */
export function generateVirtualKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** Runs on every request: the one-shot hash skips building a Hash object each time. */
export function hashVirtualKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 4);
}
