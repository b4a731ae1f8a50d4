// The state threaded through one Dockerfile's translation: the instruction being
// read (with its location and flags), each stage's ARG/ENV/SHELL/WORKDIR scope,
// and helpers that turn bad values into located DockerfileErrors.
import type { z } from 'zod';
import type { SourceLoc } from '../dsl/loc.js';
import type { Step } from '../dsl/steps/index.js';
import { DockerfileError, DockerfileUnsupportedError } from './errors.js';
import { expandWord, expandWords, SubstitutionError, type VarScope } from './lex.js';
import type { DockerfileNote, DockerfileStage, ParseOptions } from './types.js';

export interface Flag {
  name: string;
  value: string | null;
}

/** One instruction, reduced to what translation needs. */
export interface Instr {
  keyword: string;
  loc: SourceLoc;
  flags: Flag[];
  /** Arguments after the flags, continuation lines joined and comment lines dropped. */
  text: string;
  /** Heredocs of RUN/COPY/ADD, bodies as written. */
  heredocs: Heredoc[];
  /** The command part before the first heredoc body (joined), for RUN with heredocs. */
  headText: string;
}

export interface Heredoc {
  name: string;
  /** `<<-`: leading tabs are stripped from body lines. */
  chomp: boolean;
  /** `<<'EOF'` or `<<"EOF"`: the body is not expanded. */
  quoted: boolean;
  /** Body lines joined with '\n', with a trailing '\n' (as the shell sees them). */
  body: string;
}

export interface StageScope {
  stage: DockerfileStage;
  /** ARGs declared in this stage; undefined = declared without a value. */
  args: Map<string, string | undefined>;
  /** ENV set so far (inherited from a base stage of this file). */
  env: Map<string, string>;
  shell: string[];
  workdir: string;
  /** Whether CMD was set in this stage (ENTRYPOINT then keeps it, else clears it). */
  cmdSet: boolean;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class Ctx {
  readonly stages: StageScope[] = [];
  readonly notes: DockerfileNote[] = [];
  /** ARGs before the first FROM, with their values (build arg or default). */
  readonly globalArgs = new Map<string, string | undefined>();
  readonly usedBuildArgs = new Set<string>();
  /** Stages made for COPY --from=<image>; indexed after the declared stages at the end. */
  readonly implicitStages: DockerfileStage[] = [];
  readonly platform: string;

  constructor(readonly file: string, readonly escape: string, readonly opts: ParseOptions) {
    this.platform = opts.platform ?? 'linux/amd64';
  }

  get current(): StageScope | undefined {
    return this.stages[this.stages.length - 1];
  }

  /** Automatic platform ARGs Docker defines (TARGETARCH, BUILDPLATFORM, ...). */
  platformArgs(): Map<string, string> {
    const [os = 'linux', arch = 'amd64', variant = ''] = this.platform.split('/');
    const m = new Map<string, string>();
    for (const p of ['TARGET', 'BUILD']) {
      m.set(`${p}PLATFORM`, this.platform);
      m.set(`${p}OS`, os);
      m.set(`${p}ARCH`, arch);
      m.set(`${p}VARIANT`, variant);
    }
    return m;
  }

  /** Variables for substitution: the stage's ARGs with values, then ENV (which wins). */
  scope(stage: StageScope): Map<string, string> {
    const vars = new Map<string, string>();
    // The base image's own ENV is unknown at plan time; PATH is the one Dockerfiles
    // extend (ENV PATH=/x:$PATH), so assume Docker's default rather than empty.
    if (stage.stage.base.type === 'image' || stage.stage.base.type === 'scratch') vars.set('PATH', DEFAULT_PATH);
    for (const [k, v] of stage.args) if (v !== undefined) vars.set(k, v);
    for (const [k, v] of stage.env) vars.set(k, v);
    return vars;
  }

  globalScope(): Map<string, string> {
    const vars = this.platformArgs();
    for (const [k, v] of this.globalArgs) if (v !== undefined) vars.set(k, v);
    return vars;
  }

  fail(ins: Pick<Instr, 'loc' | 'keyword'>, what: string, hint?: string): never {
    throw new DockerfileError(ins.loc, ins.keyword, what, hint);
  }

  unsupported(ins: Pick<Instr, 'loc' | 'keyword'>, what: string, hint: string): never {
    throw new DockerfileUnsupportedError(ins.loc, ins.keyword, what, hint);
  }

  note(ins: Pick<Instr, 'loc'>, message: string): void {
    this.notes.push({ loc: ins.loc, message });
  }

  word(ins: Instr, text: string, vars: VarScope): string {
    try {
      return expandWord(text, vars, this.escape);
    } catch (e) {
      if (e instanceof SubstitutionError) this.fail(ins, e.message, 'Fix the quoting or the ${...} expression, or pass the variable as a build arg.');
      throw e;
    }
  }

  words(ins: Instr, text: string, vars: VarScope): string[] {
    try {
      return expandWords(text, vars, this.escape);
    } catch (e) {
      if (e instanceof SubstitutionError) this.fail(ins, e.message, 'Fix the quoting or the ${...} expression, or pass the variable as a build arg.');
      throw e;
    }
  }

  /** Builds one of our steps through its zod schema; a rejected value points at the instruction. */
  step<S extends z.ZodType>(ins: Instr, schema: S, value: Record<string, unknown>): z.output<S> {
    const r = schema.safeParse({ ...value, loc: ins.loc });
    if (!r.success) this.fail(ins, r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; '));
    return r.data;
  }

  push(step: Step): void {
    this.current?.stage.steps.push(step);
  }

  /** Unknown and non-flag options fail the same way for every instruction. */
  checkFlags(ins: Instr, allowed: readonly string[]): void {
    for (const f of ins.flags) {
      if (!allowed.includes(f.name)) {
        this.unsupported(ins, `flag --${f.name} is not supported`, allowed.length ? `Supported flags here: ${allowed.map((a) => `--${a}`).join(', ')}.` : 'This instruction takes no flags here; remove it.');
      }
    }
  }

  flag(ins: Instr, name: string): string | undefined {
    const f = ins.flags.find((x) => x.name === name);
    if (!f) return undefined;
    if (f.value === null) this.fail(ins, `--${name} needs a value (--${name}=...)`);
    return f.value;
  }
}
