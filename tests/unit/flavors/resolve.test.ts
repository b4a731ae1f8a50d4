// resolveFlavor: FLAVOR alone picks release and base image; overrides win;
// unknown names and releases fail with the known ones and the nearest.
import { FLAVORS, resolveFlavor, UnknownFlavorError, UnknownFlavorReleaseError, DockerfileFlavorError } from '../../../flavors/index.js';

function caught(f: () => unknown): Error & { hint?: string; code?: string } {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

test('the matrix has the flavors and releases of Kairos CI', () => {
  const table = Object.fromEntries(Object.entries(FLAVORS).map(([k, v]) => [k, [v.family, ...v.releases]]));
  expect(table).toEqual({
    alpine: ['alpine', '3.19'],
    debian: ['debian', 'bookworm'],
    ubuntu: ['ubuntu', '24.04', '22.04', '20.04'],
    opensuse: ['opensuse', 'leap-15.6', 'tumbleweed'],
    fedora: ['fedora', '40'],
    rockylinux: ['rhel', '9'],
  });
});

test.each([
  ['alpine', '3.19', 'alpine:3.19', 'openrc', 'apk', 'mkinitfs'],
  ['debian', 'bookworm', 'debian:bookworm-slim', 'systemd', 'apt', 'dracut'],
  ['ubuntu', '24.04', 'ubuntu:24.04', 'systemd', 'apt', 'dracut'],
  ['opensuse', 'leap-15.6', 'opensuse/leap:15.6', 'systemd', 'zypper', 'dracut'],
  ['fedora', '40', 'fedora:40', 'systemd', 'dnf', 'dracut'],
  ['rockylinux', '9', 'rockylinux:9', 'systemd', 'dnf', 'dracut'],
])('FLAVOR=%s alone → %s, %s', (flavor, release, baseImage, init, packageManager, liveInitramfs) => {
  const r = resolveFlavor({ FLAVOR: flavor });
  expect(r).toMatchObject({ flavor, release, baseImage, init, packageManager, liveInitramfs, inMatrix: true, baseImageOverridden: false });
  expect(r.dockerfile).toBe(`flavors/Dockerfile.${flavor}`);
  expect(r.dockerfileArgs).toEqual({ FLAVOR: flavor, FLAVOR_RELEASE: release, BASE_IMAGE: baseImage });
});

test('releases, aliases and BASE_IMAGE override the defaults', () => {
  expect(resolveFlavor({ FLAVOR: 'ubuntu', FLAVOR_RELEASE: '22.04' }).baseImage).toBe('ubuntu:22.04');
  expect(resolveFlavor({ FLAVOR: 'ubuntu', FLAVOR_RELEASE: 'focal' }).release).toBe('20.04');
  expect(resolveFlavor({ FLAVOR: 'debian', FLAVOR_RELEASE: '12' }).release).toBe('bookworm');
  expect(resolveFlavor({ FLAVOR: 'opensuse', FLAVOR_RELEASE: 'tumbleweed' }).baseImage).toBe('opensuse/tumbleweed:latest');
  const own = resolveFlavor({ FLAVOR: 'Ubuntu', BASE_IMAGE: 'registry.local/ubuntu:24.04' });
  expect(own).toMatchObject({ flavor: 'ubuntu', release: '24.04', baseImage: 'registry.local/ubuntu:24.04', baseImageOverridden: true });
  // An unlisted release is accepted when the image is named too.
  expect(resolveFlavor({ FLAVOR: 'ubuntu', FLAVOR_RELEASE: '25.04', BASE_IMAGE: 'ubuntu:25.04' }).release).toBe('25.04');
});

test('debian and ubuntu carry a bootstrap path with the same package set as their Dockerfile', () => {
  expect(resolveFlavor({ FLAVOR: 'debian' }).bootstrap).toEqual({
    distro: 'debian',
    suite: 'bookworm',
    mirror: 'http://deb.debian.org/debian',
    components: ['main'],
    packages: [...FLAVORS.debian.packages],
  });
  expect(resolveFlavor({ FLAVOR: 'ubuntu', FLAVOR_RELEASE: '22.04' }).bootstrap).toMatchObject({ distro: 'ubuntu', suite: 'jammy', components: ['main', 'universe'] });
  expect(resolveFlavor({ FLAVOR: 'fedora' }).bootstrap).toBeUndefined();
});

test('an unknown flavor lists the known ones and suggests the nearest', () => {
  const e = caught(() => resolveFlavor({ FLAVOR: 'ubunut' }));
  expect(e).toBeInstanceOf(UnknownFlavorError);
  expect(e.code).toBe('UNKNOWN_FLAVOR');
  expect(e.message).toBe("unknown flavor 'ubunut'; known flavors: alpine, debian, fedora, opensuse, rockylinux, ubuntu");
  expect(e.hint).toBe('Did you mean FLAVOR=ubuntu?');
  expect(caught(() => resolveFlavor({ FLAVOR: 'gentoo' })).hint).not.toContain('Did you mean');
});

test('an unknown release lists the known ones', () => {
  const e = caught(() => resolveFlavor({ FLAVOR: 'ubuntu', FLAVOR_RELEASE: '24.4' }));
  expect(e).toBeInstanceOf(UnknownFlavorReleaseError);
  expect(e.message).toBe("unknown release '24.4' for flavor ubuntu; known releases: 24.04, 22.04, 20.04 (default 24.04)");
  expect(e.hint).toBe('Did you mean FLAVOR_RELEASE=24.04?');
});

describe('a Dockerfile-only flavor (one file, no matrix row)', () => {
  const text = 'ARG FAMILY=fedora\nARG FLAVOR_RELEASE=9.4\nARG BASE_IMAGE="almalinux:${FLAVOR_RELEASE}"\nFROM ${BASE_IMAGE}\nRUN dnf -y install kernel\n';
  test('takes its defaults from its global ARGs and its family', () => {
    const r = resolveFlavor({ FLAVOR: 'almalinux' }, { dockerfiles: { almalinux: text } });
    expect(r).toMatchObject({ flavor: 'almalinux', inMatrix: false, family: 'fedora', release: '9.4', baseImage: 'almalinux:9.4', init: 'systemd', packageManager: 'dnf', liveInitramfs: 'dracut' });
    expect(r.bootstrap).toBeUndefined();
    expect(resolveFlavor({ FLAVOR: 'almalinux', FLAVOR_RELEASE: '8' }, { dockerfiles: { almalinux: text } }).baseImage).toBe('almalinux:8');
  });
  test('is listed among known flavors and suggested', () => {
    const e = caught(() => resolveFlavor({ FLAVOR: 'almalinx' }, { dockerfiles: { almalinux: text } }));
    expect(e.message).toContain('almalinux, alpine, debian');
    expect(e.hint).toBe('Did you mean FLAVOR=almalinux?');
  });
  test('without ARG FAMILY it says what to add', () => {
    const e = caught(() => resolveFlavor({ FLAVOR: 'x' }, { dockerfiles: { x: 'ARG BASE_IMAGE=x:1\nFROM $BASE_IMAGE\n' } }));
    expect(e).toBeInstanceOf(DockerfileFlavorError);
    expect(e.hint).toContain('ARG FAMILY=');
  });
});
