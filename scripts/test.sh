#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine, then runs them.
#   bash scripts/test.sh [pytest arguments]
# Browser tests drive Debian's chromium through Playwright (no browser download is needed); the
# deployment test serves the app through Debian's nginx (deploy/nginx-optviz.conf).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "Debian's packages are needed for the browser tests: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

python -m pip install -q -r requirements-dev.txt
ruff check .
python -m optviz warm   # compile the engine once, before tests time anything
python -m pytest "$@"
