// The Docker engine client, loaded on first use: dockerode and its dependency
// tree take ~0.4 s to import, which every CLI start would pay (a no-op build, an
// oci build, `--version`) if it were a static import.
import type Dockerode from 'dockerode';

/** A client with dockerode's defaults: DOCKER_HOST, else /var/run/docker.sock. */
export async function dockerClient(): Promise<Dockerode> {
  const { default: Client } = await import('dockerode');
  return new Client();
}
