// +tools: a Debian image with the tools the ISO needs (GRUB images, mksquashfs).
// They run here, in a container, never on the host.
import { target, from, run, cacheMount } from 'kairos-pipe';
import { base } from './base.js';

export const tools = target({
  name: 'tools',
  doc: 'Build tools image: grub-mkimage, grub-mkstandalone, mksquashfs (Debian)',
  plan: () => [
    from(base, { FLAVOR: 'debian' }),
    run(
      'apt-get update && apt-get install -y --no-install-recommends grub-common grub-pc-bin grub-efi-amd64-bin squashfs-tools && rm -rf /var/lib/apt/lists/*',
      { env: { DEBIAN_FRONTEND: 'noninteractive' }, mounts: [cacheMount('/var/cache/apt/archives', { id: 'apt-debian', sharing: 'private' })] },
    ),
  ],
});
