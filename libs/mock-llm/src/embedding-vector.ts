// Deterministic embeddings: a unit vector derived from a hash of (model, text). Equal texts give
// equal vectors; different texts give unrelated ones. No semantic meaning whatsoever.
import { seededRandom, stableHash } from './stable-hash';

export function embeddingVector(model: string, text: string, dimensions: number): Float32Array {
  const random = seededRandom(stableHash(`${model}\u0000${text}`));
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = random() * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}

/** OpenAI's encoding_format "base64": the little-endian float32 bytes, base64-encoded. */
export function embeddingBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}
