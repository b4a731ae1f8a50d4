// +base: the flavor's distro base. Debian and Ubuntu are bootstrapped from their
// package mirrors (no registry needed); the others, or any BASE_IMAGE, come from
// a registry.
import { target, bootstrap, from } from 'kairos-pipe';
import { baseArgs } from './args.js';
import { resolveFlavor } from '../flavors/resolve.js';

export const base = target({
  name: 'base',
  doc: "The flavor's distro base: bootstrapped from mirrors (debian, ubuntu) or a registry image",
  args: baseArgs,
  plan: (a) => {
    const f = resolveFlavor(a);
    if (!a.BASE_IMAGE && f.bootstrap) {
      return [bootstrap({ distro: f.bootstrap.distro, suite: f.bootstrap.suite, mirror: f.bootstrap.mirror, variant: 'minbase' })];
    }
    return [from(f.baseImage)];
  },
});
