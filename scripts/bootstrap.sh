#!/usr/bin/env bash
# Installs everything regcost needs on a fresh Debian machine: the system packages the tests use, uv, and
# the locked Python environment in .venv. Safe to run again: each step is skipped when already done.
#   scripts/bootstrap.sh          runtime only
#   scripts/bootstrap.sh --test   runtime + test tools and system packages
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
# System packages regcost itself uses: the PDF report renders with WeasyPrint (Pango, fonts) and exports its
# charts through kaleido, which drives a Chromium.
RUNTIME_APT_PACKAGES=(chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
# And what the test suite drives for real besides: pdftoppm renders report pages to check they are not blank,
# and Debian's docker-registry (CNCF distribution) is the real OCI registry the OCI collector is tested against.
TEST_APT_PACKAGES=(poppler-utils docker-registry)

wanted=("${RUNTIME_APT_PACKAGES[@]}")
[[ "$mode" == "--test" ]] && wanted+=("${TEST_APT_PACKAGES[@]}")
missing=()
for pkg in "${wanted[@]}"; do
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
