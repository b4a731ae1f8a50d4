import { apiHost, formatReference, manifestReference, parseReference } from '../../../../src/oci/registry/reference.js';
import { InvalidReferenceError } from '../../../../src/oci/registry/errors.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  test.each([
    ['ubuntu', 'docker.io/library/ubuntu:latest'],
    ['ubuntu:24.04', 'docker.io/library/ubuntu:24.04'],
    ['opensuse/leap:15.6', 'docker.io/opensuse/leap:15.6'],
    ['docker.io/ubuntu', 'docker.io/library/ubuntu:latest'],
    ['index.docker.io/library/alpine:3.19', 'docker.io/library/alpine:3.19'],
    ['quay.io/kairos/core:v1', 'quay.io/kairos/core:v1'],
    ['127.0.0.1:5000/kairos/base:v1', '127.0.0.1:5000/kairos/base:v1'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/a/b/c', 'localhost:5000/a/b/c:latest'],
    [`alpine@${D}`, `docker.io/library/alpine@${D}`],
    [`ghcr.io/o/r:1.0@${D}`, `ghcr.io/o/r:1.0@${D}`],
    ['registry.example.com:8443/my_repo/sub-name:tag_1.2-rc', 'registry.example.com:8443/my_repo/sub-name:tag_1.2-rc'],
  ])('%s → %s', (input, expected) => {
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  test('splits registry, repository, tag and digest', () => {
    expect(parseReference('127.0.0.1:5000/kairos/base:v1')).toEqual({ registry: '127.0.0.1:5000', repository: 'kairos/base', tag: 'v1' });
    expect(parseReference(`busybox@${D}`)).toEqual({ registry: 'docker.io', repository: 'library/busybox', digest: D });
  });

  test('a port is not mistaken for a tag', () => {
    const r = parseReference('myhost:5000/app');
    expect(r.registry).toBe('myhost:5000');
    expect(r.tag).toBe('latest');
  });

  test('a digest wins for fetching', () => {
    expect(manifestReference(parseReference(`a:b@${D}`))).toBe(D);
    expect(manifestReference(parseReference('a:b'))).toBe('b');
  });

  test.each(['', 'UPPER/case', 'ubuntu@sha256:short', 'a:b:c/d', 'foo/', 'bad host.com:x/y', 'a/..'])('rejects %p with a clear error', (input) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidReferenceError);
    expect((err as InvalidReferenceError).code).toBe('INVALID_IMAGE_REFERENCE');
    expect((err as Error).message).toContain(`'${input}'`);
  });
});

describe('apiHost', () => {
  test('Docker Hub is served from registry-1.docker.io; others from themselves', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(apiHost('quay.io')).toBe('quay.io');
    expect(apiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});
