// Deterministic hashing and pseudo-randomness for the mock provider. Everything the mock "decides"
// (answer text, embedding vectors, JSON instances) derives from these, so the same request always
// gets the same answer. Never uses Math.random: determinism is the whole point.

/** FNV-1a, 32 bit: fast, good enough spread for picking sentences, not cryptographic. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
