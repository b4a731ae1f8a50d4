// A full disk while the image is written: a clear error (the image and ENOSPC named, a hint), no
// temp file left behind, and an existing output untouched. On real small file systems: ext4
// in a loop-mounted file (the O_DIRECT path) and a size-capped tmpfs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeIso } from '../../../src/writers/iso/index.js';
import { ImageSink } from '../../../src/writers/iso/sink.js';
import { run, tempDir } from './helpers.js';

const isRoot = process.getuid?.() === 0;

describe('ISO writer on a full disk', () => {
  const tmp = tempDir('iso-full');
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
    tmp.cleanup();
  });

  /** A 24 MiB file system of `kind` mounted in the temp folder. */
  function smallFs(kind: 'ext4' | 'tmpfs'): string {
    const at = join(tmp.path, `mnt-${kind}`);
    mkdirSync(at);
    if (kind === 'ext4') {
      const img = join(tmp.path, 'ext4.img');
      run('truncate', ['-s', '24M', img]);
      run('mkfs.ext4', ['-q', '-F', img]);
      run('mount', ['-o', 'loop', img, at]);
    } else {
      run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', at]);
    }
    mounts.push(at);
    return at;
  }

  test.each(['ext4', 'tmpfs'] as const)('on %s: ISO_OUTPUT_FAILED names the image and ENOSPC, nothing half-written is left, the old output stays', async (kind) => {
    if (!isRoot) throw new Error('this test mounts file systems and needs root (CI runs as root)');
    const at = smallFs(kind);
    const out = join(at, 'out.iso');
    writeFileSync(out, 'previous image');
    const src = join(tmp.path, `src-${kind}`);
    mkdirSync(src);
    const data = Buffer.alloc(8 << 20);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i + 1, i);
    for (let i = 0; i < 5; i++) writeFileSync(join(src, `f${i}.bin`), data);
    if (kind === 'ext4') {
      const probe = await ImageSink.open(join(at, 'probe.img'));
      expect(probe.direct).toBe(true);
      await probe.discard();
    }
    const err = await writeIso({ dir: src }, out, { volumeId: 'FULL' }).then(() => undefined, (e: unknown) => e as Error & { code: string; hint?: string });
    expect(err).toMatchObject({ code: 'ISO_OUTPUT_FAILED' });
    expect(err!.message).toContain(out);
    expect(err!.message).toContain('ENOSPC');
    expect(err!.hint).toContain('is full');
    expect(readdirSync(at).filter((n) => n.includes('out.iso'))).toEqual(['out.iso']);
    expect(readFileSync(out, 'utf8')).toBe('previous image');
  }, 60_000);
});
