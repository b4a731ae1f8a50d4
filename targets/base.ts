// +base: the flavor's distro base, three ways (BASE_SOURCE):
// - bootstrap: built from the distro's package mirror (debian default; no registry needed)
// - dockerfile: flavors/Dockerfile.<flavor> on top of BASE_IMAGE (the other flavors' default,
//   as Kairos keeps images/Dockerfile.<flavor>); it installs the framework packages too
// - registry: BASE_IMAGE as it is
import { target, bootstrap, from, dockerfile } from 'kairos-pipe';
import { baseArgs, type BaseArgs } from './args.js';
import { resolveFlavor } from '../flavors/resolve.js';

export type BaseSource = 'bootstrap' | 'dockerfile' | 'registry';

/** auto → bootstrap for debian (works offline), the flavor's Dockerfile otherwise. */
export function baseSourceOf(a: BaseArgs): BaseSource {
  if (a.BASE_SOURCE !== 'auto') return a.BASE_SOURCE as BaseSource;
  const f = resolveFlavor(a);
  return f.flavor === 'debian' && f.bootstrap && !a.BASE_IMAGE ? 'bootstrap' : 'dockerfile';
}

export const base = target({
  name: 'base',
  doc: "The flavor's distro base: bootstrapped from mirrors, flavors/Dockerfile.<flavor>, or a registry image",
  args: baseArgs,
  plan: (a) => {
    const f = resolveFlavor(a);
    switch (baseSourceOf(a)) {
      case 'bootstrap':
        if (!f.bootstrap) throw new Error(`FLAVOR=${a.FLAVOR} cannot be bootstrapped from package mirrors; use BASE_SOURCE=dockerfile or registry`);
        return [bootstrap({ distro: f.bootstrap.distro, suite: f.bootstrap.suite, mirror: f.bootstrap.mirror, variant: 'minbase' })];
      case 'dockerfile':
        return [from(dockerfile(f.dockerfile), f.dockerfileArgs)];
      default:
        return [from(f.baseImage)];
    }
  },
});
