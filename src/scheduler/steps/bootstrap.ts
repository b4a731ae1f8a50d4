// bootstrap(): a Debian/Ubuntu base from package mirrors. The key includes the
// digest of the suite's Release file, so a mirror update is a miss; when the
// mirror cannot be reached, the last digest seen is reused with a warning.
import type { BootstrapStep } from '../../dsl/steps/bootstrap.js';
import { bootstrapKeyInputs, runBootstrap } from '../../executors/bootstrap/index.js';
import { emptyImageConfig } from '../../oci/types.js';
import type { StepImpl } from './types.js';
import { noteVolatile } from '../../cache/journal/input-log.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const bootstrapStep: StepImpl<BootstrapStep> = {
  changesFs: true,
  async inputs(step, ctx) {
    noteVolatile('bootstrap() asks the mirror for its Release file on every build');
    const memo = `bootstrap|${step.distro}|${step.suite}|${step.mirror ?? ''}|${step.arch}`;
    try {
      const { releaseDigest } = await bootstrapKeyInputs(step, { signal: ctx.signal });
      await ctx.store.setTag(memo, releaseDigest);
      return { release: releaseDigest };
    } catch (e) {
      const known = await ctx.store.getTag(memo);
      if (!known) throw e;
      ctx.emit({ type: 'warning', target: ctx.inst.label, message: `mirror not reachable (${(e as Error).message}); using the Release digest seen last time` });
      return { release: known };
    }
  },
  async execute(step, _state, ctx) {
    const layer = await runBootstrap(step, ctx.store, {
      signal: ctx.signal,
      log: (line) => ctx.emit({ type: 'log', target: ctx.inst.label, stream: 'stdout', line }),
    });
    const config = emptyImageConfig();
    config.config.Env = [PATH];
    return { state: { layers: [layer], config } };
  },
  describe(step) {
    return `${step.distro} ${step.suite} (${step.variant}${step.packages.length ? ` + ${step.packages.join(',')}` : ''})`;
  },
};
