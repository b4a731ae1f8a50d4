// Base of every error kairos-pipe raises: a stable `code` callers can switch on,
// a message that says what and where, and a hint that says what to do next.
export abstract class KairosError extends Error {
  abstract readonly code: string;
  /** What the user should do next; shown by the CLI under the message. */
  readonly hint?: string;
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
  }
}
