// Name-based UUIDs (RFC 9562 version 5: SHA-1 of namespace + name). The same business key always
// yields the same id, so a retried or redelivered command produces the same ledger rows and a
// unique constraint turns the duplicate into a no-op instead of a double charge.
import { hash } from 'node:crypto';

/** Assay's ledger namespace. Never change it: every stored transaction id is derived from it. */
export const LEDGER_NAMESPACE = 'fb8edafb-fe1f-4e68-82a0-ee29e82eb09f';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Billing derives three ids per charged request in its batch loop: the namespace is checked and
// converted to bytes once, and each id is one one-shot hash instead of a Hash object.
const namespaceBytes = new Map<string, Buffer>();

function bytesOf(namespace: string): Buffer {
  let bytes = namespaceBytes.get(namespace);
  if (!bytes) {
    if (!UUID.test(namespace)) throw new RangeError(`not a UUID namespace: ${namespace}`);
    bytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    namespaceBytes.set(namespace, bytes);
  }
  return bytes;
}

export function uuidV5(namespace: string, name: string): string {
  const ns = bytesOf(namespace);
  const input = Buffer.allocUnsafe(ns.length + Buffer.byteLength(name, 'utf8'));
  ns.copy(input, 0);
  input.write(name, ns.length, 'utf8');
  const bytes = hash('sha1', input, 'buffer');
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
