// Base of every error kairos-pipe raises: a stable `code` callers can switch on,
// a message that says what and where, and a hint that says what to do next.
const BRAND = Symbol.for('kairos-pipe.error');

export abstract class KairosError extends Error {
  /**
   * The engine may run bundled (dist/) while a target module or flavor imports
   * src/ directly: two copies of this class. `instanceof KairosError` checks a
   * brand so both count; subclasses keep the ordinary prototype check.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    if (this === KairosError) return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
    return Function.prototype[Symbol.hasInstance].call(this, x);
  }
  readonly [BRAND] = true;

  abstract readonly code: string;
  /** What the user should do next; shown by the CLI under the message. */
  readonly hint?: string;
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
  }
}
