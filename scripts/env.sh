# Sourced by the Makefile's recipes: the project-local toolchain and Reflex's offline switches.
# Everything stays inside the project (or the machine's package caches), never in $HOME.
BEACON_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$BEACON_ROOT/.tools/node_modules/.bin:$BEACON_ROOT/.venv/bin:$PATH"

# bun from the npm registry (Reflex would otherwise download its install script: no network here).
export REFLEX_USE_SYSTEM_BUN=1
# Network probes Reflex makes that hang or fail on a machine that reaches only package registries.
export REFLEX_CHECK_LATEST_VERSION=0
export REFLEX_TELEMETRY_ENABLED=0
export REFLEX_HTTP_CLIENT_BIND_ADDRESS=0.0.0.0
if [ -z "${NPM_CONFIG_REGISTRY:-}" ]; then
  NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null)"
  export NPM_CONFIG_REGISTRY
fi
export REFLEX_DIR="$BEACON_ROOT/.cache/reflex"
export BUN_INSTALL_CACHE_DIR="$BEACON_ROOT/.cache/bun"
export BUN_RUNTIME_TRANSPILER_CACHE_PATH="$BEACON_ROOT/.cache/bun-transpiler"
export npm_config_cache="$BEACON_ROOT/.cache/npm"
export XDG_CONFIG_HOME="$BEACON_ROOT/.cache/xdg-config"
export XDG_CACHE_HOME="$BEACON_ROOT/.cache/xdg-cache"
export PYTHONUNBUFFERED=1
