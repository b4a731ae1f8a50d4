// Every flavors/Dockerfile.* parses with the front end into a plan whose base is
// the matrix's image and whose install step installs the matrix's packages.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../../../src/dockerfile/index.js';
import type { RunStep } from '../../../src/dsl/steps/index.js';
import { FLAVORS, FLAVOR_NAMES, resolveFlavor } from '../../../flavors/index.js';

const DIR = join(process.cwd(), 'flavors');
const files = readdirSync(DIR).filter((f) => f.startsWith('Dockerfile.'));

/** Package names after the package manager's install/add verb, up to the next `&&`. */
function installed(cmd: string): string[] {
  const words = cmd.split(/\s+/);
  const at = words.findIndex((w, i) => (w === 'install' || w === 'add') && /^(apt-get|apk|dnf|zypper|--\S+)$/.test(words[i - 1] ?? ''));
  if (at < 0) return [];
  const out: string[] = [];
  for (const w of words.slice(at + 1)) {
    if (w === '&&') break;
    if (w && !w.startsWith('-')) out.push(w);
  }
  return out;
}

test('there is one Dockerfile per matrix flavor and no other', () => {
  expect(files.map((f) => f.slice('Dockerfile.'.length)).sort()).toEqual([...FLAVOR_NAMES].sort());
});

describe.each(FLAVOR_NAMES)('Dockerfile.%s', (flavor) => {
  const text = readFileSync(join(DIR, `Dockerfile.${flavor}`), 'utf8');

  test.each([...FLAVORS[flavor].releases])('parses for release %s to the matrix base image', (release) => {
    const r = resolveFlavor({ FLAVOR: flavor, FLAVOR_RELEASE: release });
    const plan = parseDockerfile(text, r.dockerfile, { buildArgs: r.dockerfileArgs });
    const final = plan.stages[plan.finalStage];
    expect(final.base).toEqual({ type: 'image', ref: r.baseImage, platform: 'linux/amd64' });
    expect(plan.notes).toEqual([]);
    const labels = final.steps.flatMap((s) => (s.kind === 'config' && s.set.labels ? [s.set.labels] : []));
    expect(labels).toEqual([{ 'io.kairos.flavor': flavor, 'io.kairos.flavor-release': release }]);
  });

  test('with no build args its ARG defaults are the matrix defaults', () => {
    const plan = parseDockerfile(text, `Dockerfile.${flavor}`, { buildArgs: {} });
    expect(plan.stages[plan.finalStage].base).toMatchObject({ ref: resolveFlavor({ FLAVOR: flavor }).baseImage });
  });

  test('installs exactly the matrix packages', () => {
    const plan = parseDockerfile(text, `Dockerfile.${flavor}`, { buildArgs: {} });
    const runs = plan.stages[plan.finalStage].steps.filter((s): s is RunStep => s.kind === 'run');
    const pkgs = runs.map((r) => installed(String(r.command))).find((p) => p.length > 0);
    expect(pkgs).toEqual([...FLAVORS[flavor].packages]);
  });
});
