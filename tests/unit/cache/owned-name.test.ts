import { OWNED, ownedName, ownerPid } from '../../../src/cache/owned-name.js';

describe('owned names', () => {
  test('a fresh name carries this process as its owner, and is unique', () => {
    const a = ownedName(OWNED.runDir);
    expect(ownerPid(a, [OWNED.runDir, OWNED.debugDir])).toBe(process.pid);
    expect(ownedName(OWNED.runDir)).not.toBe(a);
  });

  test('only the given prefixes, followed by a pid and more, are owned', () => {
    expect(ownerPid('squashfs-src-42-abc', [OWNED.squashfsSource])).toBe(42);
    expect(ownerPid('squashfs-out-42-abc', [OWNED.squashfsSource])).toBeUndefined();
    expect(ownerPid('runner-42-abc', [OWNED.runDir])).toBeUndefined();
    expect(ownerPid('run-42', [OWNED.runDir])).toBeUndefined();
    expect(ownerPid('run-x42-abc', [OWNED.runDir])).toBeUndefined();
    expect(ownerPid('kp-7-0a1b', [OWNED.container])).toBe(7);
  });
});
