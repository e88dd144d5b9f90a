#!/usr/bin/env bash
# Stops the cluster rgw-up.sh started in DIR (by its pid files) and removes its data.
set -uo pipefail
dir=$(realpath -m "${1:?usage: rgw-down.sh DIR}")
for pidfile in "$dir"/run/*.pid; do
  [[ -f "$pidfile" ]] || continue
  kill "$(cat "$pidfile")" 2>/dev/null
done
for _ in $(seq 50); do
  alive=0
  for pidfile in "$dir"/run/*.pid; do
    [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && alive=1
  done
  ((alive == 0)) && break
  sleep 0.1
done
for pidfile in "$dir"/run/*.pid; do
  [[ -f "$pidfile" ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null
done
rm -rf "$dir"/{mon,osd,run}
exit 0
