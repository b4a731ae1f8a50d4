#!/usr/bin/env bash
# The test command (README): starts a private dockerd for the docker-executor
# tests when none answers, runs every jest project, stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

started_pid=""
cleanup() {
  if [[ -n "$started_pid" ]]; then
    kill "$started_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$started_pid" 2>/dev/null || break; sleep 0.2; done
  fi
}
trap cleanup EXIT

if [[ -z "${DOCKER_HOST:-}" ]] && command -v dockerd >/dev/null && [[ "$(id -u)" == 0 ]]; then
  sock_dir=/run/kairos-pipe-test
  mkdir -p "$sock_dir"
  export DOCKER_HOST="unix://$sock_dir/docker.sock"
  if ! /usr/bin/docker -H "$DOCKER_HOST" version >/dev/null 2>&1; then
    dockerd --host "$DOCKER_HOST" --pidfile "$sock_dir/docker.pid" --data-root /var/lib/kairos-pipe-test-docker \
      --exec-root "$sock_dir/exec" --bridge none --iptables=false --ip6tables=false >"$sock_dir/dockerd.log" 2>&1 &
    started_pid=$!
    for _ in $(seq 1 100); do /usr/bin/docker -H "$DOCKER_HOST" version >/dev/null 2>&1 && break; sleep 0.3; done
    /usr/bin/docker -H "$DOCKER_HOST" version >/dev/null 2>&1 || { echo "dockerd did not start; see $sock_dir/dockerd.log" >&2; tail -20 "$sock_dir/dockerd.log" >&2; }
  fi
fi

# The full run typechecks and lints too; a run narrowed to some test paths does not.
if [[ $# -eq 0 ]]; then
  npx tsc --noEmit -p tsconfig.json
  npx eslint .
fi
results=$(mktemp)
status=0
node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand --json --outputFile="$results" "$@" || status=$?
# One plain closing line for CI dashboards: N passed, N failed, N skipped.
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' "$results" || true
rm -f "$results"
exit $status
