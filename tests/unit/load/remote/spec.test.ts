import { parseRemoteSpec, lockKey } from '../../../../src/load/remote/spec.js';
import { formatLock } from '../../../../src/load/remote/lock.js';
import { parseTargetRef } from '../../../../src/graph/refs.js';
import { remote } from '../../../../src/dsl/remote.js';

describe('remote references', () => {
  test.each([
    ['github.com/kairos-io/pipelines@v1+framework', { repo: 'github.com/kairos-io/pipelines', url: 'https://github.com/kairos-io/pipelines.git', subdir: '', ref: 'v1' }],
    ['github.com/o/r/sub/dir@main+x', { repo: 'github.com/o/r', url: 'https://github.com/o/r.git', subdir: 'sub/dir', ref: 'main' }],
    ['git+https://git.example.org/a/b.git@v2+x', { repo: 'git+https://git.example.org/a/b.git', url: 'https://git.example.org/a/b.git', subdir: '', ref: 'v2' }],
    ['git+ssh://git@host.example/a/b.git/sub@feature/x+y', { repo: 'git+ssh://git@host.example/a/b.git', url: 'ssh://git@host.example/a/b.git', subdir: 'sub', ref: 'feature/x' }],
    ['git+ssh://git@host.example/a/b.git+y', { repo: 'git+ssh://git@host.example/a/b.git', url: 'ssh://git@host.example/a/b.git', subdir: '', ref: undefined }],
    ['git+file:///srv/repos/r@main+t', { repo: 'git+file:///srv/repos/r', url: 'file:///srv/repos/r', subdir: '', ref: 'main' }],
  ])('%s', (ref, expected) => {
    const p = parseTargetRef(ref);
    if (p?.kind !== 'remote') throw new Error('not remote');
    expect(parseRemoteSpec(p.repo, p.ref, ref)).toEqual(expected);
  });

  test.each([['github.com/onlyorg@v1+x'], ['git+ftp://h/r.git@v1+x'], ['github.com/o/r/../x@v1+x'], ['github.com/o/r@v 1+x']])('%s is refused with REMOTE_REF_INVALID', (ref) => {
    const p = parseTargetRef(ref);
    if (p?.kind !== 'remote') return; // not even a reference: fine
    expect(() => parseRemoteSpec(p.repo, p.ref, ref)).toThrow(expect.objectContaining({ code: 'REMOTE_REF_INVALID' }));
  });

  test('lock keys ignore the subdir; the lock is sorted and stable', () => {
    expect(lockKey(parseRemoteSpec('github.com/o/r/a', 'v1', 'x'))).toBe('github.com/o/r@v1');
    expect(lockKey(parseRemoteSpec('github.com/o/r', undefined, 'x'))).toBe('github.com/o/r@HEAD');
    const text = formatLock({ version: 1, remotes: { 'z@1': { url: 'u', commit: 'c' }, 'a@1': { commit: 'd', url: 'v' } } });
    expect(text).toBe('{\n  "version": 1,\n  "remotes": {\n    "a@1": {\n      "commit": "d",\n      "url": "v"\n    },\n    "z@1": {\n      "commit": "c",\n      "url": "u"\n    }\n  }\n}\n');
  });

  test('remote() builds reference strings and refuses bad names', () => {
    const k = remote('github.com/kairos-io/pipelines@v1');
    expect(k.target('framework')).toBe('github.com/kairos-io/pipelines@v1+framework');
    expect(remote('git+https://h/p.git@v1').target('a')).toBe('git+https://h/p.git@v1+a');
    expect(() => k.target('../x')).toThrow(TypeError);
    expect(() => remote('a b')).toThrow(TypeError);
  });
});
