#!/usr/bin/env bash
# Installs everything regcost needs on a fresh Debian machine: the system packages the tests use, uv, and
# the locked Python environment in .venv. Safe to run again: each step is skipped when already done.
#   scripts/bootstrap.sh          runtime only
#   scripts/bootstrap.sh --test   runtime + test tools and system packages
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
# System packages the test suite drives for real. Later stages add theirs here (docker-registry for the
# OCI collector, chromium + poppler-utils for the dashboard and PDF checks).
TEST_APT_PACKAGES=()

missing=()
for pkg in "${TEST_APT_PACKAGES[@]}"; do
  [[ "$mode" == "--test" ]] || break
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv"
  python3 -m pip install --quiet --disable-pip-version-check uv
  export PATH="$HOME/.local/bin:$PATH"
fi

# Trust the machine's certificate store (corporate proxies re-sign TLS; uv's bundled roots would refuse them).
export UV_SYSTEM_CERTS=${UV_SYSTEM_CERTS:-true} UV_NATIVE_TLS=${UV_NATIVE_TLS:-true}

if [[ "$mode" == "--test" ]]; then
  uv sync --frozen --quiet
else
  uv sync --frozen --quiet --no-dev
fi
