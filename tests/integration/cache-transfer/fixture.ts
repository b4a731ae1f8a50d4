// A small target tree of copy steps for the two-runner tests: +base and +tools feed
// +app through from() and copy(+tools/...), and +app writes an image and a rootfs.
export const PROJECT: Record<string, string> = {
  'package.json': '{"type":"module"}\n',
  'targets/base.ts': `import { target, from, copy, env } from 'kairos-pipe';
export const base = target({ name: 'base', plan: () => [from('scratch'), copy('files/etc/', '/etc/'), env('STAGE', 'base')] });
`,
  'targets/tools.ts': `import { target, from, copy, saveArtifact } from 'kairos-pipe';
export const tools = target({ name: 'tools', plan: () => [from('scratch'), copy('files/tool.sh', '/bin/tool.sh', { chmod: '0755' }), saveArtifact('/bin/tool.sh', { as: 'tool.sh', local: false })] });
`,
  'targets/app.ts': `import { target, from, copy, workdir, saveImage, rootfs } from 'kairos-pipe';
import { base } from './base.js';
export const app = target({ name: 'app', plan: () => [
  from(base),
  copy('files/data/', '/srv/data/'),
  copy('+tools/tool.sh', '/usr/local/bin/'),
  copy('files/app.conf', '/etc/app.conf'),
  workdir('/srv'),
  saveImage('example.org/app:v1'),
  rootfs({ as: 'app-rootfs.tar' }),
] });
`,
  'targets/files/etc/os-release': 'NAME=test\n',
  'targets/files/etc/hostname': 'runner\n',
  'targets/files/tool.sh': '#!/bin/sh\necho tool\n',
  'targets/files/data/big.bin': 'x'.repeat(300_000),
  'targets/files/data/small.txt': 'small\n',
  'targets/files/app.conf': 'version=1\n',
};
