import { KairosError } from './base.js';

export class UnknownTargetError extends KairosError {
  readonly code = 'UNKNOWN_TARGET';
  constructor(readonly ref: string, readonly known: string[], suggestion?: string, where?: string) {
    super(`unknown target ${ref}${where ? ` (referenced at ${where})` : ''}`, {
      hint: suggestion ? `Did you mean +${suggestion}? Run \`kairos-pipe ls\` to list targets.` : `Known targets: ${known.map((k) => `+${k}`).join(', ') || 'none'}. Run \`kairos-pipe ls\`.`,
    });
  }
}
