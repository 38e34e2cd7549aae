// Several API keys for one deployment: used in rotation; a key that was throttled (429) or
// refused (401/403) cools down and is skipped until its time is up. Pure: time is passed in.

export class KeyPool {
  private readonly coolUntil: number[];
  private cursor = 0;

  constructor(private readonly keys: readonly string[]) {
    this.coolUntil = keys.map(() => 0);
  }

  /** The next key in rotation that is not cooling down, or undefined when all are. */
  next(now: number): string | undefined {
    for (let i = 0; i < this.keys.length; i++) {
      const index = (this.cursor + i) % this.keys.length;
      if (this.coolUntil[index] <= now) {
        this.cursor = (index + 1) % this.keys.length;
        return this.keys[index];
      }
    }
    return undefined;
  }

  coolDown(key: string, until: number): void {
    const index = this.keys.indexOf(key);
    if (index >= 0) this.coolUntil[index] = Math.max(this.coolUntil[index], until);
  }

  /** When the first cooling key becomes usable again. */
  nextAvailableAt(): number {
    return Math.min(...this.coolUntil);
  }

  get size(): number {
    return this.keys.length;
  }
}
