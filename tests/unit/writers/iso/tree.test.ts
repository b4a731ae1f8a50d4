import { IsoHardlinkCycleError, IsoNameClashError, IsoPathEscapesRootError } from '../../../../src/writers/iso/errors.js';
import { lookup, splitImagePath, treeFromEntries } from '../../../../src/writers/iso/tree.js';

describe('source tree from entries', () => {
  test('paths are normalized; .. may not leave the root', () => {
    expect(splitImagePath('/a//./b/../c')).toEqual(['a', 'c']);
    expect(() => splitImagePath('a/../../etc')).toThrow(IsoPathEscapesRootError);
    expect(() => splitImagePath('/../etc')).toThrow(IsoPathEscapesRootError);
  });

  test('implied folders, defaults, hardlinks sharing content', async () => {
    const root = await treeFromEntries([
      { path: 'a/b/file', type: 'file', data: Buffer.from('x') },
      { path: 'a/link', type: 'file', hardlinkTo: '/a/b/file' },
      { path: 'dev/null', type: 'char', rdev: 0x103 },
    ], 99);
    const f = lookup(root, 'a/b/file')!;
    expect(lookup(root, 'a/b')).toMatchObject({ type: 'dir', mode: 0o755, mtime: 99 });
    expect(lookup(root, 'a/link')!.content).toBe(f.content);
    expect(f.content!.links).toBe(2);
    expect(lookup(root, 'dev/null')).toMatchObject({ type: 'char', rdev: 0x103, mode: 0o644 });
  });

  test('duplicates and hardlink cycles are errors', async () => {
    await expect(treeFromEntries([{ path: 'x', type: 'file' }, { path: '/x', type: 'file' }], 0)).rejects.toBeInstanceOf(IsoNameClashError);
    await expect(treeFromEntries([{ path: 'a', type: 'file', hardlinkTo: 'a' }], 0)).rejects.toBeInstanceOf(IsoHardlinkCycleError);
  });
});
