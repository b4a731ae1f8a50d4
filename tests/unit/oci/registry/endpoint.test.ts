import { parseMirrorFlags, resolveEndpoint } from '../../../../src/oci/registry/endpoint.js';

describe('resolveEndpoint', () => {
  test('Docker Hub goes to its API host over HTTPS', () => {
    expect(resolveEndpoint('docker.io', {})).toEqual({ registry: 'docker.io', host: 'registry-1.docker.io', baseUrl: 'https://registry-1.docker.io', mirrored: false });
  });
  test('a mirror replaces the host for pulls but keeps the identity', () => {
    const e = resolveEndpoint('docker.io', { mirrors: { 'docker.io': '127.0.0.1:5000' } });
    expect(e).toEqual({ registry: 'docker.io', host: '127.0.0.1:5000', baseUrl: 'http://127.0.0.1:5000', mirrored: true });
  });
  test('pushes ignore mirrors', () => {
    expect(resolveEndpoint('docker.io', { mirrors: { 'docker.io': '127.0.0.1:5000' } }, true).host).toBe('registry-1.docker.io');
  });
  test('a mirror URL keeps its scheme', () => {
    expect(resolveEndpoint('quay.io', { mirrors: { 'quay.io': 'https://mirror.local:8443' } }).baseUrl).toBe('https://mirror.local:8443');
  });
  test('loopback hosts and --insecure-registry hosts speak plain HTTP', () => {
    expect(resolveEndpoint('localhost:5000', {}).baseUrl).toBe('http://localhost:5000');
    expect(resolveEndpoint('127.0.0.1:9', {}).baseUrl).toBe('http://127.0.0.1:9');
    expect(resolveEndpoint('reg.lan:5000', {}).baseUrl).toBe('https://reg.lan:5000');
    expect(resolveEndpoint('reg.lan:5000', { insecure: ['reg.lan:5000'] }).baseUrl).toBe('http://reg.lan:5000');
    expect(resolveEndpoint('reg.lan:5000', { insecure: ['reg.lan'] }).baseUrl).toBe('http://reg.lan:5000');
  });
});

describe('parseMirrorFlags', () => {
  test('REGISTRY=HOST pairs, a bare host mirrors Docker Hub', () => {
    expect(parseMirrorFlags(['docker.io=127.0.0.1:5000', 'quay.io=m:1', 'mirror.lan:5000'])).toEqual({ 'docker.io': 'mirror.lan:5000', 'quay.io': 'm:1' });
    expect(parseMirrorFlags(['index.docker.io=h:1'])).toEqual({ 'docker.io': 'h:1' });
  });
});
