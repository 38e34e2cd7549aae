// What a streamed answer is made of, before pacing: wire-ready text plus the tokens it represents
// (used only to pace output at tokensPerSecond). Produced by the wire modules, written by mock-server.

export interface StreamFrame {
  readonly text: string;
  readonly tokens: number;
}
