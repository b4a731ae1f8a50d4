// FLAVOR [+ FLAVOR_RELEASE] [+ BASE_IMAGE] → everything a target needs, with
// the matrix's defaults, so `FLAVOR=ubuntu` alone is enough. Mistakes fail
// with the known names and the nearest one.
import { distance } from 'fastest-levenshtein';
import { KairosError } from '../src/errors/base.js';
import { dockerfileFlavorDefaults } from './from-dockerfile.js';
import { FAMILY_DEFAULTS, FLAVORS, FLAVOR_NAMES, type Family, type FlavorSpec, type InitSystem, type LiveInitramfs, type PackageManager } from './matrix.js';

export interface FlavorArgs {
  FLAVOR: string;
  FLAVOR_RELEASE?: string;
  BASE_IMAGE?: string;
}

export interface ResolveOptions {
  /**
   * Flavor Dockerfiles found on disk (name → text of flavors/Dockerfile.<name>), read by
   * the caller. A name here without a matrix row is a Dockerfile-only flavor.
   */
  dockerfiles?: Readonly<Record<string, string>>;
}

export interface ResolvedFlavor {
  flavor: string;
  /** False for a Dockerfile-only flavor: defaults came from its ARGs, and there is no bootstrap path. */
  inMatrix: boolean;
  release: string;
  baseImage: string;
  /** True when BASE_IMAGE came from the user rather than the matrix. */
  baseImageOverridden: boolean;
  family: Family;
  init: InitSystem;
  packageManager: PackageManager;
  liveInitramfs: LiveInitramfs;
  packages: readonly string[];
  /** The flavor's Dockerfile, relative to the project root. */
  dockerfile: string;
  /** Build args for the Dockerfile: what Kairos's Dockerfiles take. */
  dockerfileArgs: { FLAVOR: string; FLAVOR_RELEASE: string; BASE_IMAGE: string };
  /** Ready for `bootstrap({...})` when the family can be built from package mirrors. */
  bootstrap?: { distro: 'debian' | 'ubuntu'; suite: string; mirror: string; components: string[]; packages: string[] };
}

export class UnknownFlavorError extends KairosError {
  readonly code = 'UNKNOWN_FLAVOR';
  constructor(readonly flavor: string, readonly known: readonly string[], readonly suggestion: string | undefined) {
    super(`unknown flavor '${flavor}'; known flavors: ${known.join(', ')}`, {
      hint: suggestion ? `Did you mean FLAVOR=${suggestion}?` : 'Add flavors/Dockerfile.<name> and a row in flavors/matrix.ts to add one.',
    });
  }
}

export class UnknownFlavorReleaseError extends KairosError {
  readonly code = 'UNKNOWN_FLAVOR_RELEASE';
  constructor(readonly flavor: string, readonly release: string, readonly known: readonly string[], suggestion: string | undefined) {
    super(`unknown release '${release}' for flavor ${flavor}; known releases: ${known.join(', ')} (default ${known[0]})`, {
      hint: suggestion
        ? `Did you mean FLAVOR_RELEASE=${suggestion}?`
        : `Leave FLAVOR_RELEASE out for ${known[0]}, or set BASE_IMAGE=<image> as well to build a release the matrix does not list.`,
    });
  }
}

function nearest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = distance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function resolveFlavor(args: FlavorArgs, opts: ResolveOptions = {}): ResolvedFlavor {
  const name = args.FLAVOR.trim().toLowerCase();
  if (Object.hasOwn(FLAVORS, name)) return fromMatrix(name as keyof typeof FLAVORS, args);
  const text = opts.dockerfiles?.[name];
  if (text !== undefined) return fromDockerfile(name, text, args);
  const known = [...new Set([...FLAVOR_NAMES, ...Object.keys(opts.dockerfiles ?? {})])].sort();
  throw new UnknownFlavorError(args.FLAVOR, known, nearest(name, known));
}

function fromMatrix(flavor: keyof typeof FLAVORS, args: FlavorArgs): ResolvedFlavor {
  const spec: FlavorSpec = FLAVORS[flavor];
  const given = args.FLAVOR_RELEASE?.trim() || undefined;
  let release = spec.releases[0];
  if (given !== undefined) {
    const canonical = spec.releaseAliases?.[given] ?? given;
    if (spec.releases.includes(canonical)) release = canonical;
    // An unlisted release is fine when the user names the image; the matrix cannot guess it.
    else if (args.BASE_IMAGE?.trim()) release = given;
    else throw new UnknownFlavorReleaseError(flavor, given, spec.releases, nearest(given, [...spec.releases, ...Object.keys(spec.releaseAliases ?? {})]));
  }
  const baseImage = args.BASE_IMAGE?.trim() || spec.baseImage(release);
  const b = spec.bootstrap;
  return {
    flavor,
    inMatrix: true,
    release,
    baseImage,
    baseImageOverridden: !!args.BASE_IMAGE?.trim(),
    family: spec.family,
    init: spec.init,
    packageManager: spec.packageManager,
    liveInitramfs: spec.liveInitramfs,
    packages: spec.packages,
    dockerfile: `flavors/Dockerfile.${flavor}`,
    dockerfileArgs: { FLAVOR: flavor, FLAVOR_RELEASE: release, BASE_IMAGE: baseImage },
    ...(b ? { bootstrap: { distro: b.distro, suite: b.suite(release), mirror: b.mirror, components: [...b.components], packages: [...spec.packages] } } : {}),
  };
}

function fromDockerfile(flavor: string, text: string, args: FlavorArgs): ResolvedFlavor {
  const given: Record<string, string> = { FLAVOR: flavor };
  if (args.FLAVOR_RELEASE?.trim()) given.FLAVOR_RELEASE = args.FLAVOR_RELEASE.trim();
  if (args.BASE_IMAGE?.trim()) given.BASE_IMAGE = args.BASE_IMAGE.trim();
  const d = dockerfileFlavorDefaults(text, given);
  const file = `flavors/Dockerfile.${flavor}`;
  if (!d.family) throw new DockerfileFlavorError(file, 'ARG FAMILY=<debian|ubuntu|alpine|opensuse|fedora|rhel>');
  if (!d.baseImage) throw new DockerfileFlavorError(file, 'ARG BASE_IMAGE=<default image>');
  const release = d.release ?? '';
  return {
    flavor,
    inMatrix: false,
    release,
    baseImage: d.baseImage,
    baseImageOverridden: !!given.BASE_IMAGE,
    family: d.family,
    ...FAMILY_DEFAULTS[d.family],
    packages: [],
    dockerfile: file,
    dockerfileArgs: { FLAVOR: flavor, FLAVOR_RELEASE: release, BASE_IMAGE: d.baseImage },
  };
}

export class DockerfileFlavorError extends KairosError {
  readonly code = 'FLAVOR_DOCKERFILE_INCOMPLETE';
  constructor(readonly file: string, missing: string) {
    super(`${file} is a flavor without a row in flavors/matrix.ts, so it must declare its defaults; it lacks ${missing} before its first FROM`, {
      hint: `Add ${missing} at the top of ${file}, or add a row for it in flavors/matrix.ts.`,
    });
  }
}
