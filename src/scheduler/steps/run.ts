// run(): delegated to the selected executor (runc+overlayfs or docker).
import type { RunStep } from '../../dsl/steps/run.js';
import { KairosError } from '../../errors/base.js';
import type { StepImpl } from './types.js';

class MissingSecretError extends KairosError {
  readonly code = 'SECRET_MISSING';
  constructor(name: string, where: string) {
    super(`secret ${name} (${where}) was not provided`, { hint: `Pass it with --secret ${name} (from the env var ${name}), --secret ${name}=env:VAR or --secret ${name}=file:PATH.` });
  }
}

/** Replaces every secret value in a log line; short values are masked too, better safe. */
export function maskSecrets(line: string, secrets: Record<string, string>): string {
  let out = line;
  for (const v of Object.values(secrets)) if (v) out = out.split(v).join('***');
  return out;
}

export const runStep: StepImpl<RunStep> = {
  changesFs: true,
  async inputs() {
    // Secrets enter the key by name only (they are in the spec); values never do.
    return {};
  },
  async execute(step, state, ctx) {
    const secrets: Record<string, string> = {};
    for (const s of step.secrets) {
      const v = ctx.settings.secrets[s.name];
      if (v === undefined) throw new MissingSecretError(s.name, ctx.where);
      secrets[s.name] = v;
    }
    const exec = await ctx.executor();
    const layer = await exec.run(state!, step, {
      store: ctx.store,
      signal: ctx.signal,
      secrets,
      stepId: ctx.stepId,
      log: (line, stream) => ctx.emit({ type: 'log', target: ctx.inst.label, stream, line: maskSecrets(line, secrets) }),
    });
    return { state: { layers: [...state!.layers, layer], config: state!.config } };
  },
  describe(step) {
    return Array.isArray(step.command) ? JSON.stringify(step.command) : step.command;
  },
};
