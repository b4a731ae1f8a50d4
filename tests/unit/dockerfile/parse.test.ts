// parseDockerfile on fixture Dockerfiles: each supported instruction maps to our
// steps with its Dockerfile location; stages, ARG scoping and heredocs as Docker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile, stagesNeeded, type DockerfilePlan } from '../../../src/dockerfile/index.js';
import type { ConfigStep, CopyStep, RunStep, Step } from '../../../src/dsl/steps/index.js';

const DIR = join(process.cwd(), 'tests/fixtures/dockerfiles');
const parse = (name: string, buildArgs: Record<string, string> = {}, target?: string): DockerfilePlan =>
  parseDockerfile(readFileSync(join(DIR, name), 'utf8'), name, { buildArgs, target });

const runs = (steps: Step[]): RunStep[] => steps.filter((s): s is RunStep => s.kind === 'run');
const configs = (steps: Step[]): ConfigStep['set'][] => steps.filter((s): s is ConfigStep => s.kind === 'config').map((s) => s.set);
const copies = (steps: Step[]): CopyStep[] => steps.filter((s): s is CopyStep => s.kind === 'copy');

describe('all-instructions.Dockerfile', () => {
  const plan = parse('all-instructions.Dockerfile', { VERSION: '1.2.3' });
  const stage = plan.stages[0];

  test('FROM: global ARG default expands, --platform kept, AS names the stage, loc points at the line', () => {
    expect(plan.stages).toHaveLength(1);
    expect(plan.finalStage).toBe(0);
    expect(stage.name).toBe('base');
    expect(stage.base).toEqual({ type: 'image', ref: 'debian:bookworm-slim', platform: 'linux/amd64' });
    expect(stage.from.loc).toEqual({ file: 'all-instructions.Dockerfile', line: 5, column: 1 });
  });

  test('ENV: K=V with quotes and escapes, comment inside continuation, legacy form, $PATH', () => {
    const envs = configs(stage.steps).filter((s) => s.env).map((s) => s.env);
    expect(envs[0]).toEqual({ LANG: 'C.UTF-8', GREETING: 'hello world', ESCAPED: 'a b' });
    expect(envs[1]).toEqual({ LEGACY: 'legacy form value' });
    expect(envs[2]).toEqual({ PATH: '/opt/kairos/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' });
  });

  test('LABEL expands the stage ARG from build args; quoted keys lose their quotes', () => {
    expect(configs(stage.steps).find((s) => s.labels)?.labels).toEqual({ 'org.opencontainers.image.version': '1.2.3', 'quoted key': 'v' });
  });

  test('WORKDIR is absolute and relative ones build on the previous; USER as written', () => {
    const set = configs(stage.steps);
    expect(set.filter((s) => s.workdir).map((s) => s.workdir)).toEqual(['/opt', '/opt/kairos']);
    expect(set.find((s) => s.user)?.user).toBe('0:0');
  });

  test('RUN shell form joins continuations; exec form is an argv, unexpanded; ARGs are its env', () => {
    const [apt, exec, tee] = runs(stage.steps);
    expect(apt.command).toBe('apt-get update  && apt-get install -y --no-install-recommends       rsync  && rm -rf /var/lib/apt/lists/*');
    expect(apt.env).toEqual({ VERSION: '1.2.3', DEBIAN_FRONTEND: 'noninteractive' });
    expect(apt.loc).toEqual({ file: 'all-instructions.Dockerfile', line: 17, column: 1 });
    expect(exec.command).toEqual(['/bin/echo', 'exec form', '$VERSION']);
    expect(tee.command).toBe('echo "$VERSION" | tee /etc/version');
  });

  test('COPY: several sources to a folder, JSON form with spaces, relative dest under WORKDIR, --chown/--chmod; ADD of a folder', () => {
    const [two, json, add] = copies(stage.steps);
    expect(two.sources).toEqual([{ type: 'context', path: 'files/a.conf' }, { type: 'context', path: 'files/b.conf' }]);
    expect(two.dest).toBe('/etc/kairos/');
    expect(json).toMatchObject({ sources: [{ type: 'context', path: 'with space.txt' }], dest: '/opt/kairos/rel/', chown: '1000:1000', chmod: '0644' });
    expect(add).toMatchObject({ sources: [{ type: 'context', path: 'overlay' }], dest: '/' });
  });

  test('SHELL is a config step; later shell-form ENTRYPOINT uses it and clears CMD only when CMD was not set', () => {
    const set = configs(stage.steps);
    expect(set.find((s) => s.shell)?.shell).toEqual(['/bin/bash', '-o', 'pipefail', '-c']);
    expect(set.find((s) => s.cmd && !s.entrypoint)?.cmd).toEqual(['/sbin/init']);
    expect(set.find((s) => s.entrypoint)).toEqual({ entrypoint: ['/bin/bash', '-o', 'pipefail', '-c', '/usr/bin/entry --flag'] });
  });

  test('EXPOSE and the unused REGISTRY global ARG produce no step; EXPOSE leaves a note', () => {
    expect(stage.steps.map((s) => s.kind)).toEqual(['config', 'config', 'config', 'config', 'config', 'config', 'config', 'run', 'run', 'copy', 'copy', 'copy', 'config', 'run', 'config', 'config']);
    expect(plan.notes.map((n) => n.message)).toEqual([expect.stringContaining('EXPOSE 22 ignored')]);
    expect(plan.notes[0].loc.line).toBe(29);
  });
});

describe('multistage.Dockerfile', () => {
  const plan = parse('multistage.Dockerfile', { FLAVOR: 'ubuntu' });

  test('stages are numbered and named (lowercased); FROM <stage> points back at the file', () => {
    expect(plan.stages.map((s) => [s.index, s.name])).toEqual([
      [0, 'tools'],
      [1, undefined],
      [2, 'final'],
      [3, 'child'],
      [4, 'empty'],
      [5, 'quay.io/kairos/framework:v2.11.7'],
    ]);
    expect(plan.stages[2].base).toEqual({ type: 'image', ref: 'ubuntu:latest', platform: 'linux/amd64' });
    expect(plan.stages[3].base).toEqual({ type: 'dockerfile', path: 'multistage.Dockerfile', stage: 'final', args: { FLAVOR: 'ubuntu' } });
    expect(plan.stages[4].base).toEqual({ type: 'scratch' });
    expect(plan.finalStage).toBe(4);
  });

  test('COPY --from a name, an index and an image (an implicit stage, made once)', () => {
    const [byName, byIndex, image, image2] = copies(plan.stages[2].steps);
    expect(byName.sources).toEqual([{ type: 'stage', stage: 'tools', path: '/usr/bin/xorriso' }]);
    expect(byIndex.sources).toEqual([{ type: 'stage', stage: '1', path: '/build/out' }]);
    expect(image.sources).toEqual([{ type: 'stage', stage: 'quay.io/kairos/framework:v2.11.7', path: '/' }]);
    expect(image2.sources[0]).toMatchObject({ stage: 'quay.io/kairos/framework:v2.11.7' });
    expect(plan.stages[5]).toMatchObject({ implicit: true, steps: [], base: { type: 'image', ref: 'quay.io/kairos/framework:v2.11.7' } });
  });

  test('target picks a stage case-insensitively, and stagesNeeded follows FROM and COPY --from', () => {
    const p = parse('multistage.Dockerfile', {}, 'CHILD');
    expect(p.finalStage).toBe(3);
    expect(stagesNeeded(p).map((s) => s.index)).toEqual([0, 1, 5, 2, 3]);
  });

  test('an unknown target lists the stages', () => {
    expect(() => parse('multistage.Dockerfile', {}, 'nope')).toThrow(/no stage named 'nope'/);
    try {
      parse('multistage.Dockerfile', {}, 'nope');
    } catch (e) {
      expect((e as { hint: string }).hint).toBe('Stages in this file: tools, final, child, empty.');
    }
  });
});

describe('heredocs.Dockerfile', () => {
  const steps = parse('heredocs.Dockerfile').stages[0].steps as RunStep[];

  test('RUN <<EOF alone runs the body as the script', () => {
    expect(steps[0].command).toBe('set -eu\necho "$HOME"\n');
    expect(steps[0].loc?.line).toBe(2);
  });
  test('<<- strips leading tabs', () => {
    expect(steps[1].command).toBe('echo tabs stripped\n');
  });
  test('a heredoc fed to a command, and two heredocs, are handed to the shell whole', () => {
    expect(steps[2].command).toBe('<<EOF bash\necho via bash\nEOF');
    expect(steps[3].command).toBe("cat <<'A' > /a && cat <<B > /b\nfirst $NOT_EXPANDED\nA\nsecond\nB");
  });
  test('a #! body becomes a temp script that is executed', () => {
    const cmd = steps[4].command as string;
    expect(cmd).toContain("#!/usr/bin/env python3\nprint(\"hi\")\nKAIROS_PIPE_SCRIPT\n");
    expect(cmd).toMatch(/chmod \+x "\$f" && "\$f"/);
  });
  test('RUN flags: cache and secret mounts, network, security', () => {
    expect(steps[5]).toMatchObject({
      command: 'echo ok',
      mounts: [{ type: 'cache', target: '/var/cache/apt', id: '/var/cache/apt', sharing: 'locked' }],
      secrets: [{ name: 'token', env: 'TOKEN' }],
      network: 'none',
      privileged: true,
    });
  });
});

test('escape directive: backtick continues lines and backslash is literal', () => {
  const plan = parse('escape-backtick.Dockerfile');
  const [run, copy, env] = plan.stages[0].steps;
  expect(run).toMatchObject({ kind: 'run', command: 'echo a     b' });
  expect(copy).toMatchObject({ kind: 'copy', sources: [{ type: 'context', path: 'C:\\src\\x.txt' }] });
  expect(env).toMatchObject({ kind: 'config', set: { env: { P: 'C:\\dir', W: 'q"q' } } });
});

describe('args.Dockerfile', () => {
  test('global ARGs feed FROM; stage ARGs inherit global values; modifiers; ENV beats ARG in RUN env', () => {
    const plan = parse('args.Dockerfile', { FLAVOR: 'ubuntu' });
    const st = plan.stages[0];
    expect(st.base).toMatchObject({ type: 'image', ref: 'ubuntu:24.04' });
    expect(configs(st.steps)[0].env).toEqual({
      IMAGE_ID: 'ubuntu-24.04-generic-amd64',
      DEF: 'fallback',
      ALT: 'has-model',
      EMPTY: '', // ARG without a value and no build arg is unset, so ${X+x} is empty
      TRIM: '24',
      ARCHLESS: '64',
    });
    const [before, after] = runs(st.steps);
    expect(before.env).toEqual({ FLAVOR: 'ubuntu', FLAVOR_RELEASE: '24.04', MODEL: 'generic', TARGETARCH: 'amd64' });
    expect(after.env).toEqual({ FLAVOR: 'ubuntu', FLAVOR_RELEASE: '24.04', TARGETARCH: 'amd64' });
  });

  test('without the build arg, FROM ${BASE_IMAGE} built from a blank ARG fails with a hint to pass it', () => {
    let err: { message: string; hint: string; code: string } | undefined;
    try {
      parse('args.Dockerfile');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('DOCKERFILE_INVALID');
    expect(err?.message).toBe("args.Dockerfile:4:1: FROM: base image '$BASE_IMAGE' expands to ':24.04', which is not an image reference");
    expect(err?.hint).toContain('BASE_IMAGE=<image>');
  });
});
