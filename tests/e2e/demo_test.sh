#!/usr/bin/env bash
# Smoke test of scripts/demo (what `make demo` runs): it must come up on the given ports,
# answer lmagent_up = 1 with the generated query token, keep every secret at 0600 whatever
# the umask, reuse secrets on restart, and stop cleanly on SIGINT.
set -euo pipefail
root=$1
bin=$2
dir=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
export LM_DEMO_DIR=$dir/demo LM_BIN_DIR=$bin
export LM_DEMO_QUERY_LISTEN=127.0.0.1:$(port) LM_DEMO_INGEST_LISTEN=127.0.0.1:$(port)

start() {
  (umask 000; exec setsid "$root/scripts/demo" >"$dir/demo.log" 2>&1) &
  pid=$!
}
wait_up() {
  for _ in $(seq 1 300); do
    out=$(curl -s -H "Authorization: Bearer $(cat "$LM_DEMO_DIR/secrets/query.token" 2>/dev/null)" \
      "http://$LM_DEMO_QUERY_LISTEN/api/v1/query?query=lmagent_up" || true)
    if grep -q '"value":\[[0-9.]*,"1"\]' <<<"$out"; then echo "$out"; return 0; fi
    sleep 0.3
  done
  echo "demo never answered lmagent_up=1; log:"; cat "$dir/demo.log"; return 1
}
stop() {
  kill -INT "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "demo did not stop on SIGINT"; return 1; fi
  grep -q "demo: stopped" "$dir/demo.log" || { cat "$dir/demo.log"; return 1; }
}
check_modes() {
  bad=$(find "$LM_DEMO_DIR/secrets" -type f ! -perm 600)
  [[ -z "$bad" ]] || { echo "secret files not 0600: $bad"; return 1; }
  for k in ca.key server.key; do
    [[ $(stat -c %a "$LM_DEMO_DIR/tls/$k") == 600 ]] || { echo "tls/$k not 0600"; return 1; }
  done
}

landed() {  # the demo's object store receives accepted manifests
  for _ in $(seq 1 100); do
    [[ -n $(find "$LM_DEMO_DIR/objects/accepted" -name '*.json' 2>/dev/null | head -1) ]] && return 0
    sleep 0.2
  done
  echo "nothing landed in $LM_DEMO_DIR/objects"; cat "$dir/demo.log"; return 1
}

start
wait_up
check_modes
landed
token=$(cat "$LM_DEMO_DIR/secrets/query.token")
stop
start
wait_up
check_modes
[[ $token == "$(cat "$LM_DEMO_DIR/secrets/query.token")" ]] || { echo "token was regenerated"; exit 1; }
stop
if pgrep -f "$LM_DEMO_DIR/server.toml" >/dev/null; then echo "collector still running"; exit 1; fi
echo "demo test passed"
