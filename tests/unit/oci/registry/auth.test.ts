import { parseWwwAuthenticate, scopeFor } from '../../../../src/oci/registry/auth.js';

describe('parseWwwAuthenticate', () => {
  test('a bearer challenge with quoted params', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' } },
    ]);
  });
  test('scopes with commas inside quotes, spaces after commas, basic', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="http://127.0.0.1:1/token", service="s", scope="repository:a/b:pull,push"');
    expect(c.params.scope).toBe('repository:a/b:pull,push');
    expect(parseWwwAuthenticate('Basic realm="kairos-test"')).toEqual([{ scheme: 'basic', params: { realm: 'kairos-test' } }]);
  });
  test('several challenges and unquoted values', () => {
    const list = parseWwwAuthenticate('Basic realm=x, Bearer realm="r",error="invalid_token"');
    expect(list.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(list[1].params).toEqual({ realm: 'r', error: 'invalid_token' });
  });
  test('scope strings', () => {
    expect(scopeFor('library/ubuntu', 'pull')).toBe('repository:library/ubuntu:pull');
  });
});
