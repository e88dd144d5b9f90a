#!/usr/bin/env bash
# Stops or starts only the RADOS Gateway of a cluster started by rgw-up.sh, keeping the
# monitor and the OSD (and so every object) running: an S3 outage and its end.
# Usage: rgw-gateway.sh DIR stop|start
set -euo pipefail
dir=$(realpath -m "${1:?usage: rgw-gateway.sh DIR stop|start}")
action=${2:?usage: rgw-gateway.sh DIR stop|start}
pidfile="$dir/run/client.rgw.a.pid"
port=$(sed -n 's/^rgw frontends = beast endpoint=127.0.0.1:\([0-9]*\)$/\1/p' "$dir/ceph.conf")
case "$action" in
  stop)
    if [[ -f "$pidfile" ]]; then
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    ;;
  start)
    setsid radosgw -c "$dir/ceph.conf" -n client.rgw.a 2>>"$dir/log/setup.log"
    deadline=$((SECONDS + 60))
    until curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1; do
      if ((SECONDS > deadline)); then echo "rgw-gateway: no answer on $port" >&2; exit 1; fi
      sleep 0.1
    done
    ;;
  *) echo "usage: rgw-gateway.sh DIR stop|start" >&2; exit 2 ;;
esac
