import { availablePlatforms, parsePlatform, selectPlatform } from '../../../../src/oci/registry/platform.js';
import type { Descriptor } from '../../../../src/oci/types.js';

const d = (n: string, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${n.repeat(64)}`,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});
const list = [d('a', 'linux', 'amd64'), d('b', 'linux', 'arm', 'v6'), d('c', 'linux', 'arm', 'v7'), d('d', 'linux', 'arm64', 'v8'), d('e', 'unknown', 'unknown')];

describe('selectPlatform', () => {
  test('exact and alias matches', () => {
    expect(selectPlatform(list, parsePlatform('linux/amd64'))?.digest).toBe(list[0].digest);
    expect(selectPlatform(list, parsePlatform('linux/x86_64'))?.digest).toBe(list[0].digest);
    expect(selectPlatform(list, parsePlatform('linux/arm64'))?.digest).toBe(list[3].digest);
    expect(selectPlatform(list, parsePlatform('linux/aarch64'))?.digest).toBe(list[3].digest);
    expect(selectPlatform(list, parsePlatform('linux/arm/v7'))?.digest).toBe(list[2].digest);
  });
  test('no match, and attestation entries never match', () => {
    expect(selectPlatform(list, parsePlatform('linux/s390x'))).toBeUndefined();
    expect(selectPlatform(list, parsePlatform('unknown/unknown'))).toBeUndefined();
  });
  test('available platforms leave out attestations', () => {
    expect(availablePlatforms(list)).toEqual(['linux/amd64', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64/v8']);
  });
  test('a malformed platform is rejected', () => {
    expect(() => parsePlatform('linux')).toThrow(/OS\/ARCH/);
  });
});
