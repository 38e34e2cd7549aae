// Unique, provider-looking ids ("chatcmpl-…", "msg_…", "call_…", "toolu_…"). Ids are the one part
// of a response that is not deterministic: a process prefix plus a counter, cheap and collision-free.
import { randomBytes } from 'node:crypto';

const PROCESS_PREFIX = randomBytes(6).toString('hex');
let counter = 0;

export function nextId(prefix: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}${PROCESS_PREFIX}${counter.toString(36).padStart(10, '0')}`;
}
