// Docker instructions kairos-pipe refuses, each with what to write instead.
// They describe containers (health, signals, volumes) or defer work to other
// builds (ONBUILD); an OS image has no use for them.
export const UNSUPPORTED: Record<string, string> = {
  HEALTHCHECK: 'OS images are booted, not run as containers, so there is nothing to health-check; remove it.',
  ONBUILD: 'Put the instructions directly into the Dockerfile or target that builds on this one.',
  STOPSIGNAL: 'OS images are booted, not stopped by a container runtime; remove it.',
  VOLUME: 'Remove it; to have the folder in the image, create it with RUN mkdir -p <path>.',
  MAINTAINER: 'Use LABEL org.opencontainers.image.authors="<name>" instead (MAINTAINER is deprecated in Docker too).',
};

/** Every instruction the front end knows, for "did you mean" on typos. */
export const KNOWN = ['FROM', 'ARG', 'RUN', 'COPY', 'ADD', 'ENV', 'WORKDIR', 'USER', 'LABEL', 'ENTRYPOINT', 'CMD', 'SHELL', 'EXPOSE', ...Object.keys(UNSUPPORTED)];
