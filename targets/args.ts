// Args shared by the Kairos targets. FLAVOR alone is enough: the flavor matrix
// fills in the release and base image, and each can still be overridden.
import { z } from 'kairos-pipe';
import { FLAVOR_NAMES } from '../flavors/matrix.js';

export const flavorArgs = z.object({
  FLAVOR: z.enum(FLAVOR_NAMES as [string, ...string[]]).default('debian').describe('distro flavor, see docs/flavors.md'),
  FLAVOR_RELEASE: z.string().optional().describe('release of the flavor (default: the matrix default)'),
  BASE_IMAGE: z.string().optional().describe('registry image to start from instead of the flavor default'),
  BASE_SOURCE: z.enum(['auto', 'bootstrap', 'dockerfile', 'registry']).default('auto').describe('how +base is made (auto: bootstrap for debian, flavors/Dockerfile.<flavor> otherwise)'),
  MODEL: z.string().default('generic').describe('hardware model'),
  VARIANT: z.enum(['core', 'standard']).default('core').describe('Kairos variant'),
  VERSION: z.string().regex(/^[A-Za-z0-9._+-]+$/).default('v0.1.0').describe('version written to /etc/kairos-release and file names'),
});

export type FlavorArgs = z.output<typeof flavorArgs>;

/** What +base depends on: only these enter its keys. */
export const baseArgs = flavorArgs.pick({ FLAVOR: true, FLAVOR_RELEASE: true, BASE_IMAGE: true, BASE_SOURCE: true });
export type BaseArgs = z.output<typeof baseArgs>;

export function baseOf(a: BaseArgs): BaseArgs {
  return { FLAVOR: a.FLAVOR, FLAVOR_RELEASE: a.FLAVOR_RELEASE, BASE_IMAGE: a.BASE_IMAGE, BASE_SOURCE: a.BASE_SOURCE };
}

/** The args every dependent target passes down, so one instance serves them all. */
export function pass(a: FlavorArgs): FlavorArgs {
  return { FLAVOR: a.FLAVOR, FLAVOR_RELEASE: a.FLAVOR_RELEASE, BASE_IMAGE: a.BASE_IMAGE, BASE_SOURCE: a.BASE_SOURCE, MODEL: a.MODEL, VARIANT: a.VARIANT, VERSION: a.VERSION };
}

export function artifactName(a: FlavorArgs): string {
  return `kairos-${a.FLAVOR}-${a.VERSION}`;
}
