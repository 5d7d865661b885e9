#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine, then runs them.
#   bash scripts/test.sh [pytest arguments]
# Browser tests drive Debian's chromium through Playwright (no browser download is needed); the
# deployment test serves the app through Debian's nginx (deploy/nginx-optviz.conf). The player's
# JavaScript is linted, unit-tested and its committed bundle checked with node and the npm packages
# pinned in package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
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

# The player's JavaScript: the pinned tools, ESLint, node's unit tests, the bundle built afresh.
npm ci --no-audit --no-fund --loglevel=error
npm run -s lint
npm test
npm run -s check:bundle

python -m optviz warm   # compile the engine once, before tests time anything
python -m pytest "$@"
