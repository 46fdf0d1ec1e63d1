#!/usr/bin/env bash
# Start a throw-away single-node Ceph RADOS Gateway (S3) on 127.0.0.1 for tests.
# Idempotent. Writes .local-s3/env (KEY=value). See scripts/local-s3/README.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
D="${LOCAL_S3_DIR:-$ROOT/.local-s3}" # scripts/local-s3/dir.ts reads the same variable
PORT="${LOCAL_S3_PORT:-7480}"
MON_PORT="${LOCAL_S3_MON_PORT:-3300}"
MEM="${LOCAL_S3_MEMSTORE_BYTES:-6442450944}" # 6 GiB: a 2 GiB object, its copy, and room
export CEPH_CONF="$D/ceph.conf"
LOGS="" # logs whose tail fail() prints
if [ -z "${LOCAL_S3_LOCKED:-}" ]; then # one start/stop at a time (parallel test runs)
  mkdir -p "$D"
  LOCAL_S3_LOCKED=1 exec flock -o -w 600 "$D/.lock" bash "${BASH_SOURCE[0]}" "$@"
fi

fail() {
  echo "local-s3: ERROR: $*" >&2
  for f in $LOGS; do
    [ -s "$f" ] && { echo "----- tail of $f" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}
trap 'fail "command failed (line $LINENO): $BASH_COMMAND"' ERR
alive() { # pid file names a live, non-zombie process
  local p; p=$(cat "$D/run/$1.pid" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
    [[ "$(ps -o stat= -p "$p" 2>/dev/null)" != Z* ]]
}
answers() { curl -s -o /dev/null -m 2 "http://127.0.0.1:$1/"; }
port_busy() { # without ss (iproute2), a port that accepts a connection is busy
  if command -v ss >/dev/null; then ss -Htln "sport = :$1" | grep -q .; else (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; fi
}
rand() { tr -dc "$1" </dev/urandom | head -c "$2" || true; }

if [ -s "$D/env" ] && alive mon.a && alive osd.0 && alive client.rgw.local; then
  P=$(sed -n 's#^AWS_ENDPOINT_URL_S3=http://127.0.0.1:##p' "$D/env")
  # A busy server (a soak on two cores) can take seconds to answer: only a server that stays silent is restarted.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    if answers "$P"; then echo "local-s3: already running at http://127.0.0.1:$P (env: $D/env)"; exit 0; fi
    alive client.rgw.local || break
    sleep 1
  done
fi
# leftovers of a half-started or dead cluster: clear them first
if [ -d "$D/run" ] || [ -d "$D/mon" ]; then "$ROOT/scripts/local-s3/stop.sh"; fi

# A taken port fails before any install: in seconds, whatever the machine has.
for p in "$PORT" "$MON_PORT"; do
  if port_busy "$p"; then fail "port 127.0.0.1:$p is in use (set LOCAL_S3_PORT / LOCAL_S3_MON_PORT)"; fi
done

# --- install ------------------------------------------------------------------
BINS="ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool"
if ! (for b in $BINS; do command -v "$b" >/dev/null || exit 1; done); then
  echo "local-s3: installing Ceph (radosgw, ceph-mon, ceph-osd) from Debian..."
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$D" && LOGS="$D/apt.log" && : >"$D/apt.log"
  PKGS=(radosgw ceph-mon ceph-osd ceph-common)
  apt-cache show radosgw >/dev/null 2>&1 || apt-get update >>"$D/apt.log" 2>&1
  apt-get install -y --no-install-recommends "${PKGS[@]}" >>"$D/apt.log" 2>&1 ||
    { apt-get update >>"$D/apt.log" 2>&1 && apt-get install -y --no-install-recommends "${PKGS[@]}" >>"$D/apt.log" 2>&1; }
  LOGS=""
fi

T0=$(date +%s%N) # time the start-up itself, not install or clean-up

# --- cluster config -----------------------------------------------------------
rm -rf "$D/mon" "$D/osd" "$D/rgw" "$D/run" "$D/env" "$D"/*.log
mkdir -p "$D/mon" "$D/osd" "$D/rgw" "$D/run"
LOGS="$D/start.log"
FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$CEPH_CONF" <<EOF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
# auth none + msgr2: radosgw's mon client hangs in AUTH_CONNECTING (-13) unless crc
ms mon client mode = crc
paxos propose interval = 0.05
# fail in 30 s, not 300 s, when a client (radosgw, ceph CLI) cannot reach the mon
client mount timeout = 30
rgw init timeout = 60
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log file = $D/\$name.log
crash dir = $D/crash
mon data = $D/mon
osd data = $D/osd
osd objectstore = memstore
memstore device bytes = $MEM
# deleted RGW data is freed by the garbage collector: do it quickly, not after 2 h
rgw gc obj min wait = 10
rgw gc processor period = 10
[client.rgw.local]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $D/rgw
rgw thread pool size = 64
EOF

# --- monitor ------------------------------------------------------------------
LOGS="$D/start.log $D/mon.a.log"
{
  monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap"
  ceph-mon --mkfs -i a --monmap "$D/monmap"
  ceph-mon -i a
} >>"$D/start.log" 2>&1
ceph --connect-timeout 30 mon stat >>"$D/start.log" 2>&1 || fail "monitor did not answer"

# --- OSD (memstore: data lives in the OSD's memory) ---------------------------
LOGS="$D/start.log $D/osd.0.log $D/mon.a.log"
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
{
  ceph osd new "$OSD_UUID"
  ceph-osd -i 0 --mkfs --osd-uuid "$OSD_UUID"
  ceph-osd -i 0
} >>"$D/start.log" 2>&1
osd_up() { [ "$(ceph osd stat -f json 2>/dev/null | jq -r .num_up_osds)" = 1 ]; }
END=$((SECONDS + 30))
until osd_up; do
  alive osd.0 || fail "ceph-osd exited"
  [ $SECONDS -lt $END ] || fail "OSD did not come up in 30 s"
  sleep 0.1
done

# --- radosgw ------------------------------------------------------------------
LOGS="$D/start.log $D/client.rgw.local.log $D/osd.0.log"
radosgw -n client.rgw.local >>"$D/start.log" 2>&1
END=$((SECONDS + 60))
until answers "$PORT"; do
  if [ -s "$D/run/client.rgw.local.pid" ] && ! alive client.rgw.local; then fail "radosgw exited"; fi
  [ $SECONDS -lt $END ] || fail "radosgw did not answer on 127.0.0.1:$PORT in 60 s"
  sleep 0.1
done

# --- watchdog -----------------------------------------------------------------
# radosgw 16.2 very rarely aborts under heavy concurrent load (RGWObjectCtx::set_atomic, in a CopyObject's permission
# check; seen twice in soak runs). The data lives in the OSD, so restarting radosgw alone is what systemd's
# Restart=on-failure would do: clients see a refused connection for a second and retry. It ends with the cluster.
(
  while [ ! -e "$D/run/stopping" ] && alive mon.a; do
    if ! alive client.rgw.local && [ ! -e "$D/run/stopping" ]; then
      echo "$(date -u +%FT%TZ) radosgw exited; restarting it" >>"$D/rgw-restarts.log"
      radosgw -n client.rgw.local >>"$D/start.log" 2>&1 || true
    fi
    sleep 0.5
  done
) </dev/null >/dev/null 2>&1 &
echo $! >"$D/run/watchdog.pid"
disown || true

# --- S3 users -----------------------------------------------------------------
LOGS="$D/start.log $D/client.rgw.local.log"
declare -A KEY SECRET
for u in exporter receiver; do
  KEY[$u]=$(rand 'A-Z0-9' 20)
  SECRET[$u]=$(rand 'A-Za-z0-9' 40)
  radosgw-admin user create --uid="$u" --display-name="local-s3 $u" \
    --access-key="${KEY[$u]}" --secret-key="${SECRET[$u]}" >>"$D/start.log" 2>&1
done
cat >"$D/env.tmp" <<EOF
AWS_ENDPOINT_URL_S3=http://127.0.0.1:$PORT
AWS_REGION=us-east-1
EXPORTER_AWS_ACCESS_KEY_ID=${KEY[exporter]}
EXPORTER_AWS_SECRET_ACCESS_KEY=${SECRET[exporter]}
EXPORTER_PRINCIPAL=arn:aws:iam:::user/exporter
RECEIVER_AWS_ACCESS_KEY_ID=${KEY[receiver]}
RECEIVER_AWS_SECRET_ACCESS_KEY=${SECRET[receiver]}
RECEIVER_PRINCIPAL=arn:aws:iam:::user/receiver
EOF
mv "$D/env.tmp" "$D/env"
MS=$(( ($(date +%s%N) - T0) / 1000000 ))
printf 'local-s3: S3 (Ceph RGW) up at http://127.0.0.1:%s in %d.%03d s; env: %s\n' \
  "$PORT" $((MS / 1000)) $((MS % 1000)) "$D/env"
