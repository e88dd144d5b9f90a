#!/usr/bin/env bash
# Checks the systemd units in packaging/ with systemd-analyze: any warning fails the test.
# The binaries' install paths are pointed at the build so that ExecStart= resolves.
set -euo pipefail
src=${1:?usage: units_test.sh SOURCE_DIR BIN_DIR}
bin=${2:?usage: units_test.sh SOURCE_DIR BIN_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "$src"/packaging/*.service; do
  sed "s#/usr/local/bin/#$bin/#g" "$unit" >"$work/$(basename "$unit")"
done
out=$(systemd-analyze verify "$work"/*.service 2>&1) || {
  echo "systemd-analyze failed:"; echo "$out"; exit 1; }
if [[ -n "$out" ]]; then
  echo "systemd-analyze warnings:"; echo "$out"; exit 1
fi
# The agent's reload is SIGHUP and its stop SIGTERM, as lm-agent handles them.
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$src/packaging/lm-agent.service"
grep -q '^KillSignal=SIGTERM$' "$src/packaging/lm-agent.service"
echo "units ok: $(ls "$src"/packaging/*.service | xargs -n1 basename | tr '\n' ' ')"
