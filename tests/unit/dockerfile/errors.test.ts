// Every refusal of the front end: a DockerfileError (or its Unsupported subclass)
// with file:line:column, the instruction, and a hint saying what to do instead.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileError, DockerfileUnsupportedError, parseDockerfile } from '../../../src/dockerfile/index.js';

const DIR = join(process.cwd(), 'tests/fixtures/dockerfiles/errors');

function errorOf(name: string): DockerfileError {
  try {
    parseDockerfile(readFileSync(join(DIR, name), 'utf8'), `errors/${name}`, { buildArgs: {} });
  } catch (e) {
    if (e instanceof DockerfileError) return e;
    throw e;
  }
  throw new Error(`${name} parsed without error`);
}

// [fixture, code, line, message fragment, hint fragment]
const CASES: Array<[string, 'DOCKERFILE_UNSUPPORTED' | 'DOCKERFILE_INVALID', number, string, string]> = [
  ['healthcheck.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'HEALTHCHECK: HEALTHCHECK is not supported', 'remove it'],
  ['onbuild.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'ONBUILD: ONBUILD is not supported', 'directly into the Dockerfile'],
  ['stopsignal.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'STOPSIGNAL: STOPSIGNAL is not supported', 'remove it'],
  ['volume.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'VOLUME: VOLUME is not supported', 'RUN mkdir -p'],
  ['maintainer.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'MAINTAINER: MAINTAINER is not supported', 'org.opencontainers.image.authors'],
  ['unknown.Dockerfile', 'DOCKERFILE_INVALID', 2, "RUNN: unknown instruction 'RUNN'", 'Did you mean RUN?'],
  ['add-url.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'ADD: ADD of a URL (https://example.com/x.tar.gz) is not supported', 'RUN curl'],
  ['add-archive.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'ADD: ADD of an archive (rootfs.tar.gz) would unpack it', 'COPY rootfs.tar.gz /tmp/'],
  ['chown-name.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'COPY: --chown=kairos:kairos uses names; only numeric uid[:gid] is supported', 'Use numbers'],
  ['copy-heredoc.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'COPY: COPY with a heredoc (inline file) is not supported', 'RUN cat >'],
  ['no-from.Dockerfile', 'DOCKERFILE_INVALID', 1, 'no FROM instruction', 'FROM <image>'],
  ['before-from.Dockerfile', 'DOCKERFILE_INVALID', 1, 'RUN: RUN before the first FROM', 'Only ARG may come before'],
  ['blank-from.Dockerfile', 'DOCKERFILE_INVALID', 2, "FROM: base image '${BASE_IMAGE}' expands to nothing", 'BASE_IMAGE=<image>'],
  ['mount-bind.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'RUN: --mount=type=bind is not supported', 'COPY the files'],
  ['heredoc-unterminated.Dockerfile', 'DOCKERFILE_INVALID', 2, "RUN: heredoc <<EOF has no closing 'EOF' line", 'exactly EOF'],
  ['required-var.Dockerfile', 'DOCKERFILE_INVALID', 2, 'ENV: B: B must be set', 'build arg'],
  ['copy-from-later.Dockerfile', 'DOCKERFILE_INVALID', 2, 'COPY: --from=5 must name an earlier stage', ''],
  ['duplicate-stage.Dockerfile', 'DOCKERFILE_INVALID', 2, "FROM: stage name 'one' is used twice", 'its own name'],
  ['copy-multi-dest.Dockerfile', 'DOCKERFILE_INVALID', 2, "COPY: with several sources the destination must be a folder ending in '/'", '/dest/'],
  ['copy-outside.Dockerfile', 'DOCKERFILE_INVALID', 2, "COPY: source '../secret' is outside the build context", 'build context'],
  ['chmod-symbolic.Dockerfile', 'DOCKERFILE_UNSUPPORTED', 2, 'COPY: --chmod=u+x is not an octal mode', '0755'],
  ['shell-not-json.Dockerfile', 'DOCKERFILE_INVALID', 2, 'SHELL: SHELL must be a JSON array', ''],
];

test.each(CASES)('%s → %s at line %i', (name, code, line, what, hint) => {
  const err = errorOf(name);
  expect(err.code).toBe(code);
  expect(err).toBeInstanceOf(code === 'DOCKERFILE_UNSUPPORTED' ? DockerfileUnsupportedError : DockerfileError);
  expect(err.loc).toEqual({ file: `errors/${name}`, line, column: 1 });
  expect(err.message.startsWith(`errors/${name}:${line}:1: `)).toBe(true);
  expect(err.message).toContain(what);
  expect(err.hint ?? '').toContain(hint);
});

test('every error fixture has a case', async () => {
  const { readdirSync } = await import('node:fs');
  expect(readdirSync(DIR).sort()).toEqual(CASES.map((c) => c[0]).sort());
});

test('an unknown flag and a bad --network are refused with the supported ones listed', () => {
  const run = (text: string): DockerfileError => {
    try {
      parseDockerfile(text, 'inline', { buildArgs: {} });
    } catch (e) {
      return e as DockerfileError;
    }
    throw new Error('no error');
  };
  expect(run('FROM a\nRUN --frobnicate=1 true\n').hint).toBe('Supported flags here: --mount, --network, --security.');
  expect(run('FROM a\nRUN --network=host true\n').message).toContain('--network=host is not supported');
  expect(run('FROM a\nADD --from=b x /x\n').message).toContain('flag --from is not supported');
  expect(run('FROM a\nCOPY --parents a/ /x/\n').code).toBe('DOCKERFILE_UNSUPPORTED');
  expect(run('FROM a\nRUN --mount=type=secret,id=s,target=/etc/s true\n').hint).toContain('/run/secrets/s');
});
