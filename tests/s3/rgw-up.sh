#!/usr/bin/env bash
# Starts a throw-away single-node Ceph cluster (one monitor, one memstore OSD) and a RADOS
# Gateway on 127.0.0.1, for tests against a real S3-compatible server. Everything lives in
# DIR; stop it with rgw-down.sh DIR.
#
# Usage: rgw-up.sh DIR [PORT] [ACCESS_KEY] [SECRET_KEY]
# Prints "endpoint=http://127.0.0.1:PORT" when the gateway answers and the user exists.
set -euo pipefail
dir=$(realpath -m "${1:?usage: rgw-up.sh DIR [PORT] [ACCESS_KEY] [SECRET_KEY]}")
port=${2:-7480}
access=${3:-lmtestaccess}
secret=${4:-lmtestsecret0123456789}
mon_port=${LM_RGW_MON_PORT:-$((port + 10000))}

mkdir -p "$dir"
rm -rf "$dir"/{mon,osd,run,log,ceph.conf,keyring}
mkdir -p "$dir"/{mon,osd,run,log}
fsid=$(cat /proc/sys/kernel/random/uuid)
cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr1 = false
ms bind ipv6 = false
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/cluster.log
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.05
paxos min wait = 0.01
[mon.a]
mon data = $dir/mon/a
[osd]
osd data = $dir/osd/\$id
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 256
osd max object namespace len = 64
[client.rgw.a]
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/run/rgw
rgw dns name = localhost
rgw enable usage log = false
CONF
export CEPH_CONF="$dir/ceph.conf"
conf=(-c "$dir/ceph.conf")

ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/run/monmap" >/dev/null
ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/run/monmap" --keyring "$dir/keyring" 2>>"$dir/log/setup.log"
setsid ceph-mon "${conf[@]}" -i a 2>>"$dir/log/setup.log"

wait_for() {  # wait_for SECONDS command...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then echo "rgw-up: timed out waiting for: $*" >&2; return 1; fi
    sleep 0.2
  done
}
wait_for 30 ceph "${conf[@]}" mon stat

osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(ceph "${conf[@]}" osd new "$osd_uuid")
mkdir -p "$dir/osd/$osd_id"
ceph-osd "${conf[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" 2>>"$dir/log/setup.log" >/dev/null
setsid ceph-osd "${conf[@]}" -i "$osd_id" 2>>"$dir/log/setup.log"
wait_for 60 bash -c "ceph ${conf[*]} osd stat | grep -q '1 up'"

mkdir -p "$dir/run/rgw"
setsid radosgw "${conf[@]}" -n client.rgw.a 2>>"$dir/log/setup.log"
wait_for 90 curl -sf "http://127.0.0.1:$port/"
radosgw-admin "${conf[@]}" user create --uid=lmtest --display-name=lmtest \
  --access-key="$access" --secret-key="$secret" >/dev/null 2>>"$dir/log/setup.log"
echo "endpoint=http://127.0.0.1:$port"
