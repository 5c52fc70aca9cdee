#!/usr/bin/env bash
# `make bench`: installs what the harness needs (wrk, PostgreSQL and Redis from apt; LiteLLM's
# proxy and matplotlib into bench/.venv from PyPI), raises the open-file limit for 2,000 held
# streams, and runs bench/bench.py against the release build. Usage: bench/run.sh BIN_DIR
# PLUGINS_DIR [--quick] [--only footprint,latency,stored,stored-postgres,production,limited-redis,
# cache,throughput,streaming,held] (some scenarios; results then go to
# bench/results/partial-<names>.{md,json}) [--report-only].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin_dir="$1" plugins_dir="$2"; shift 2

# Only what is missing: the stored-postgres and limited-redis scenarios start their own servers.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
venv="$here/.venv"
if ! "$venv/bin/python" -c 'import litellm.proxy.proxy_server, matplotlib' >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'litellm[proxy]' matplotlib
fi
# Each held stream is a socket to the gateway and one from it to the upstream: 2,000 streams
# need about 4,000 descriptors in the gateway. Raise the soft limit as far as allowed.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 8192 ]; then
  echo "bench: open-file limit $(ulimit -n) is below 8192; 2,000 held streams need more" >&2; exit 1
fi
exec "$venv/bin/python" "$here/bench.py" --bin "$bin_dir" --plugins "$plugins_dir" --venv-python "$venv/bin/python" "$@"
