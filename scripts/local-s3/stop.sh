#!/usr/bin/env bash
# Stop the local S3 (Ceph RGW) started by start.sh and delete its cluster data.
# Idempotent: exits 0 when nothing runs. Logs (.local-s3/*.log) are kept for post-mortems.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
D="$ROOT/.local-s3"

gone() { ! kill -0 "$1" 2>/dev/null; }
# stop PID with SIGNAL, wait up to 20 s for it to exit, then SIGKILL
stop_pid() {
  local pid=$1 sig=$2 what=$3
  gone "$pid" && return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 200); do gone "$pid" && break; sleep 0.1; done
  if ! gone "$pid"; then
    echo "local-s3: $what (pid $pid) ignored SIG$sig, killing" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do gone "$pid" && break; sleep 0.1; done
  fi
  if gone "$pid"; then echo "local-s3: stopped $what (pid $pid)"; else echo "local-s3: $what (pid $pid) still alive" >&2; fi
}
stop_daemon() {
  local f="$D/run/$1.pid" pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  # guard against a recycled pid: it must be a ceph daemon
  case "$(ps -o comm= -p "$pid" 2>/dev/null || true)" in
  radosgw | ceph-osd | ceph-mon) stop_pid "$pid" "$2" "$1" ;;
  esac
}

stop_daemon client.rgw.local TERM
# memstore writes everything it holds to disk on a clean shutdown: the data is
# thrown away anyway, so kill the OSD outright
stop_daemon osd.0 KILL
stop_daemon mon.a TERM
# anything left of this cluster (a daemon that never wrote its pid file,
# a hung radosgw-admin): ceph processes started with this cluster's CEPH_CONF
for e in /proc/[0-9]*/environ; do
  pid=${e#/proc/}
  pid=${pid%/environ}
  case "$(ps -o comm= -p "$pid" 2>/dev/null || true)" in
  ceph* | radosgw* | rados) ;;
  *) continue ;;
  esac
  if tr '\0' '\n' <"$e" 2>/dev/null | grep -qxF "CEPH_CONF=$D/ceph.conf"; then
    stop_pid "$pid" KILL "$(ps -o comm= -p "$pid" 2>/dev/null || echo process)"
  fi
done

if [ -d "$D" ]; then
  rm -rf "$D/mon" "$D/osd" "$D/rgw" "$D/run" "$D/crash" "$D/monmap" "$D/ceph.conf" "$D/env" "$D/env.tmp"
fi
echo "local-s3: stopped; cluster data removed"
