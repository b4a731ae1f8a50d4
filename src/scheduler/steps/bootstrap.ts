// bootstrap(): a Debian/Ubuntu base from package mirrors. The key includes the
// digest of the suite's Release file, so a mirror update is a miss; when the
// mirror cannot be reached, the last digest seen is reused with a warning.
import type { BootstrapStep } from '../../dsl/steps/bootstrap.js';
import { bootstrapKeyInputs, runBootstrap } from '../../executors/bootstrap/index.js';
import { emptyImageConfig } from '../../oci/types.js';
import type { StepImpl } from './types.js';
import { noteRemote, noteVolatile } from '../../cache/journal/input-log.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const bootstrapStep: StepImpl<BootstrapStep> = {
  changesFs: true,
  async inputs(step, ctx) {
    const memo = `bootstrap|${step.distro}|${step.suite}|${step.mirror ?? ''}|${step.arch}`;
    try {
      const { releaseDigest, url } = await bootstrapKeyInputs(step, { signal: ctx.signal });
      // A no-op rerun asks the mirror the same question before it trusts the journal.
      noteRemote(url, releaseDigest);
      await ctx.store.setTag(memo, releaseDigest);
      return { release: releaseDigest };
    } catch (e) {
      const known = await ctx.store.getTag(memo);
      if (!known) throw e;
      noteVolatile('the mirror was not reachable: its Release file was taken from the last build');
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
