// env/workdir/user/label/entrypoint/cmd/shell: a config delta, no layer.
import type { ConfigStep } from '../../dsl/steps/config.js';
import type { FsState } from '../../oci/types.js';
import { noInputs, type StepImpl } from './types.js';

export function applyConfig(state: FsState, set: ConfigStep['set']): FsState {
  const c = { ...state.config.config };
  if (set.env) {
    const env = [...(c.Env ?? [])];
    for (const [k, v] of Object.entries(set.env)) {
      const i = env.findIndex((e) => e.startsWith(`${k}=`));
      if (i === -1) env.push(`${k}=${v}`);
      else env[i] = `${k}=${v}`;
    }
    c.Env = env;
  }
  if (set.workdir) c.WorkingDir = set.workdir;
  if (set.user) c.User = set.user;
  if (set.labels) c.Labels = { ...(c.Labels ?? {}), ...set.labels };
  if (set.entrypoint) c.Entrypoint = set.entrypoint;
  if (set.cmd) c.Cmd = set.cmd;
  if (set.shell) c.Shell = set.shell;
  return { layers: state.layers, config: { ...state.config, config: c } };
}

export const configStep: StepImpl<ConfigStep> = {
  changesFs: true,
  inputs: noInputs,
  async execute(step, state) {
    return { state: applyConfig(state!, step.set) };
  },
  describe(step) {
    return Object.entries(step.set)
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join(' ');
  },
};
