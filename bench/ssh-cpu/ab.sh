#!/usr/bin/env bash
# [WARM=3] ab.sh ROUNDS LABEL:PORT... : alternating bare SSH clones of bench-100m through each
# running proxy, WARM untimed clones each first (the JIT); per clone the wall time and that
# proxy's CPU (utime + stime from /proc/PID/stat); medians per label. LABEL+gcm: the same proxy,
# with the client told to use AES-GCM (ssh -c aes128-gcm@openssh.com). LABEL+http: the same
# proxy, cloned over HTTP (anonymous) instead of SSH.
set -eu
. "$(dirname "$0")/env.sh"
R=$1; shift
C=$W/clone; OUT=$W/ab-$(date +%H%M%S); mkdir -p "$OUT"
sshcmd() { case $1 in *+gcm) echo "$SSH_BASE -c aes128-gcm@openssh.com" ;; *) echo "$SSH_BASE" ;; esac; }
clone() {
  rm -rf "$C"
  case $1 in
    *+http) git clone -q --bare "http://127.0.0.1:$(($2 + 1))/bench-100m" "$C" 2>/dev/null ;;
    *) GIT_SSH_COMMAND=$(sshcmd "$1") git clone -q --bare "ssh://$BENCH_USER@127.0.0.1:$(($2 + 2))/bench-100m" "$C" 2>/dev/null ;;
  esac
}
for lp in "$@"; do for ((i = 0; i < ${WARM:-3}; i++)); do clone "${lp%%:*}" "${lp##*:}"; done; done
for ((r = 0; r < R; r++)); do
  for lp in "$@"; do
    l=${lp%%:*}; p=${lp##*:}; pid=$(cat "$W/proxy-${l%+*}.pid")
    c0=$(cpu_ms "$pid"); t0=$(date +%s%N)
    clone "$l" "$p"
    t1=$(date +%s%N); c1=$(cpu_ms "$pid")
    [ "$(du -sm "$C" | cut -f1)" -ge 100 ] || { echo "the clone through $l is too small" >&2; exit 1; }
    echo "$(((t1 - t0) / 1000000)) $((c1 - c0))" >> "$OUT/$l"
    echo "round $r $l: $(((t1 - t0) / 1000000)) ms, proxy CPU $((c1 - c0)) ms, load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
for lp in "$@"; do
  l=${lp%%:*}
  [ -f "$OUT/$l" ] || continue # ROUNDS 0: warm-up only
  echo "$l: median wall $(cut -d' ' -f1 "$OUT/$l" | median) ms, median proxy CPU $(cut -d' ' -f2 "$OUT/$l" | median) ms; CPU samples: $(cut -d' ' -f2 "$OUT/$l" | paste -sd' ')"
done
rm -rf "$C"
