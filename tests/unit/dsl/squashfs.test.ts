import { squashfs, target, from } from '../../../src/dsl/index.js';
import { buildGraph } from '../../../src/graph/build-graph.js';
import { PlanError } from '../../../src/errors/index.js';
import { projectOf } from '../graph/helpers.js';

const tools = target({ name: 'tools', plan: () => [from('scratch')] });

describe('squashfs() compression', () => {
  test('defaults to zstd at level 3, and gzip to level 6, so the level is part of the step', () => {
    expect(squashfs({ as: 'r.sqfs', tools })).toMatchObject({ compression: 'zstd', level: 3 });
    expect(squashfs({ as: 'r.sqfs', tools, compression: 'gzip' })).toMatchObject({ compression: 'gzip', level: 6 });
    expect(squashfs({ as: 'r.sqfs', tools, compression: 'zstd', level: 19 }).level).toBe(19);
    expect(squashfs({ as: 'r.sqfs', tools, compression: 'xz' }).level).toBeUndefined();
  });

  test('a level out of range, or for a compressor without levels, is a PlanError naming the target and the fix', async () => {
    for (const [opts, words] of [
      [{ compression: 'xz', level: 5 }, "xz takes no level (only gzip 1-9 and zstd 1-22 do); drop 'level'"],
      [{ compression: 'gzip', level: 12 }, 'gzip level must be 1-9, got 12'],
      [{ compression: 'zstd', level: 0 }, 'zstd level must be 1-22, got 0'],
    ] as const) {
      const bad = target({ name: 'sq', plan: () => [from('scratch'), squashfs({ as: 'r.sqfs', tools, ...opts })] });
      const e = await buildGraph(projectOf([bad, tools]), [{ ref: '+sq', args: {} }]).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(PlanError);
      expect((e as Error).message).toContain('sq');
      expect((e as Error).message).toContain(`level: ${words}`);
    }
  });
});
