// Splits a command's output into lines for ctx.log, masks secret values (the
// caller's logger masks too; the executor also keeps lines for error messages),
// and remembers the last lines for RunFailedError.
import type { RunContext } from './types.js';

export const TAIL_LINES = 20;

export function maskSecrets(line: string, secrets: string[]): string {
  let out = line;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

export class OutputLines {
  readonly tail: string[] = [];
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  constructor(
    private readonly log: RunContext['log'],
    private readonly secrets: string[],
  ) {}

  push(chunk: Buffer | string, stream: 'stdout' | 'stderr'): void {
    const text = this.partial[stream] + chunk.toString();
    const lines = text.split(/\r?\n/);
    this.partial[stream] = lines.pop() ?? '';
    for (const l of lines) this.emit(l, stream);
  }

  /** Emits what is left without a trailing newline. */
  flush(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) this.emit(this.partial[s], s);
      this.partial[s] = '';
    }
  }

  private emit(raw: string, stream: 'stdout' | 'stderr'): void {
    const line = maskSecrets(raw, this.secrets);
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.log(line, stream);
  }
}
