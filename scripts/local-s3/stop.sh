#!/usr/bin/env bash
# Stop the local S3 (Ceph RGW) started by start.sh and delete its cluster data.
# Idempotent: exits 0 when nothing runs. Logs (.local-s3/*.log) are kept for post-mortems.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
D="${LOCAL_S3_DIR:-$ROOT/.local-s3}" # as start.sh
STOPPED=0
if [ -z "${LOCAL_S3_LOCKED:-}" ] && [ -d "$D" ]; then # wait for a running start.sh
  LOCAL_S3_LOCKED=1 exec flock -o -w 600 "$D/.lock" bash "${BASH_SOURCE[0]}" "$@"
fi

comm_of() { cat "/proc/$1/comm" 2>/dev/null || true; }
# exited (a zombie counts: reaping is up to PID 1, which may be slow at it)
gone() { ! kill -0 "$1" 2>/dev/null || [[ "$(ps -o stat= -p "$1" 2>/dev/null)" == Z* ]]; }
# stop PID with SIGNAL, wait up to 5 s for it to exit (radosgw hangs on TERM
# when the OSD is gone), then SIGKILL: the data is thrown away anyway
stop_pid() {
  local pid=$1 sig=$2 what=$3
  gone "$pid" && return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 50); do gone "$pid" && break; sleep 0.1; done
  if ! gone "$pid"; then
    echo "local-s3: $what (pid $pid) ignored SIG$sig, killing" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do gone "$pid" && break; sleep 0.1; done
  fi
  if gone "$pid"; then echo "local-s3: stopped $what (pid $pid)"; else echo "local-s3: $what (pid $pid) still alive" >&2; fi
  STOPPED=$((STOPPED + 1))
}
stop_daemon() {
  local f="$D/run/$1.pid" pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null) || return 0
  # guard against a recycled pid: it must be a ceph daemon
  case "$(comm_of "$pid")" in
  radosgw | ceph-osd | ceph-mon) stop_pid "$pid" "$2" "$1" ;;
  esac
}

# The watchdog (start.sh) must not bring radosgw back while the cluster goes down.
[ -d "$D/run" ] && : >"$D/run/stopping"
wd=$(cat "$D/run/watchdog.pid" 2>/dev/null || true)
[ -n "$wd" ] && kill "$wd" 2>/dev/null || true
stop_daemon client.rgw.local TERM
stop_daemon osd.0 TERM # osd_fast_shutdown: memstore does not dump its data to disk
stop_daemon mon.a TERM
# anything left of this cluster (a daemon that never wrote its pid file,
# a hung radosgw-admin): ceph processes started with this cluster's CEPH_CONF
for e in /proc/[0-9]*/environ; do
  pid=${e#/proc/}
  pid=${pid%/environ}
  case "$(comm_of "$pid")" in
  ceph* | radosgw* | rados) ;;
  *) continue ;;
  esac
  gone "$pid" && continue
  if grep -qzxF "CEPH_CONF=$D/ceph.conf" "$e" 2>/dev/null; then
    stop_pid "$pid" KILL "$(comm_of "$pid")"
  fi
done

if [ -d "$D" ]; then
  rm -rf "$D/mon" "$D/osd" "$D/rgw" "$D/run" "$D/crash" "$D/monmap" "$D/ceph.conf" "$D/env" "$D/env.tmp"
fi
if [ "$STOPPED" = 0 ]; then echo "local-s3: nothing was running"; else echo "local-s3: stopped; cluster data removed"; fi
