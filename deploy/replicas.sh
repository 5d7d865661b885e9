#!/usr/bin/env bash
# Starts the optviz replicas that deploy/nginx-optviz.conf serves: one `python -m optviz serve`
# (`streamlit run app.py` with the app loaded before it listens) per port on 127.0.0.1, each under
# the path /optviz/, with the project's .streamlit/config.toml.
#   bash deploy/replicas.sh [PORT ...]        (default: 8501 8502, the ports in deploy/nginx-optviz.conf)
# Environment: PYTHON (default: python), OPTVIZ_BASE_PATH (default: optviz, as in the nginx site),
# OPTVIZ_EXPORT_SLOTS (exports one replica makes at once; default: 1).
#
# Waits until each replica answers its health check (GET /optviz/_stcore/health -> 200 "ok") and
# prints one line per event: "replica PORT: pid PID", "replica PORT: ready at URL", "replica PORT:
# exited with status N" (the others keep serving). Ctrl-C or SIGTERM stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python}
base=${OPTVIZ_BASE_PATH:-optviz}
export OPTVIZ_EXPORT_SLOTS=${OPTVIZ_EXPORT_SLOTS:-1}
ports=("$@")
[ ${#ports[@]} -gt 0 ] || ports=(8501 8502)

declare -A port_of=()   # replica pid -> port
stop() {
    trap - INT TERM
    kill -TERM "${!port_of[@]}" 2>/dev/null || true
    wait || true
    exit "${1:-0}"
}
trap 'stop 0' INT TERM

healthy() {
    "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" \
        >/dev/null 2>&1
}

for port in "${ports[@]}"; do
    "$python" -m optviz serve --server.address 127.0.0.1 --server.port "$port" \
        --server.baseUrlPath "$base" &
    port_of[$!]=$port
    echo "replica $port: pid $!"
done

for pid in "${!port_of[@]}"; do
    port=${port_of[$pid]}
    for _ in $(seq 600); do   # up to ~5 minutes (a first start may compile the engine)
        healthy "http://127.0.0.1:$port/$base/_stcore/health" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if ! healthy "http://127.0.0.1:$port/$base/_stcore/health"; then
        echo "replica $port: did not answer its health check" >&2
        stop 1
    fi
    echo "replica $port: ready at http://127.0.0.1:$port/$base/"
done

while [ ${#port_of[@]} -gt 0 ]; do
    status=0 pid=
    wait -n -p pid "${!port_of[@]}" || status=$?
    [ -n "$pid" ] || continue
    echo "replica ${port_of[$pid]}: exited with status $status"
    unset "port_of[$pid]"
done
