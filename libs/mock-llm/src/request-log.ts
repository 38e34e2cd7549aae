// The bounded record of what clients sent, for assertions (which key, which model, which body).
// A ring buffer: recording is O(1) and memory stays flat under load benchmarks.

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly model?: string;
  readonly headers: { readonly authorization?: string; readonly 'x-api-key'?: string; readonly 'x-goog-api-key'?: string };
  /** The parsed JSON body, the raw text when it was not JSON, or undefined when empty. */
  readonly body: unknown;
  /** ISO-8601 time the request arrived. */
  readonly at: string;
}

// Enough for any test's assertions; old entries fall off so a long benchmark cannot exhaust memory.
export const DEFAULT_REQUEST_LOG_CAPACITY = 1000;

export class RequestLog {
  private readonly entries: RecordedRequest[] = [];
  private next = 0;

  constructor(private readonly capacity = DEFAULT_REQUEST_LOG_CAPACITY) {}

  record(request: RecordedRequest): void {
    if (this.entries.length < this.capacity) this.entries.push(request);
    else this.entries[this.next] = request;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): RecordedRequest[] {
    if (this.entries.length < this.capacity) return this.entries.slice();
    return [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)];
  }

  clear(): void {
    this.entries.length = 0;
    this.next = 0;
  }
}
