#!/usr/bin/env bash
# conc.sh N LABEL:PORT|direct: N bare SSH clones of bench-100m at once through a running proxy
# (or straight to gerrit-1); the wall time until the last ends, and the proxy's CPU over it.
set -eu
. "$(dirname "$0")/env.sh"
N=$1; l=${2%%:*}; p=${2##*:}
if [ "$l" = direct ]; then URL=ssh://$BENCH_USER@127.0.0.1:$NODE1_SSH/bench-100m; pid=
else URL=ssh://$BENCH_USER@127.0.0.1:$((p + 2))/bench-100m; pid=$(cat "$W/proxy-$l.pid"); fi
cpu() { if [ -n "$pid" ]; then cpu_ms "$pid"; else echo 0; fi; }
rm -rf "$W/conc"; mkdir -p "$W/conc"
c0=$(cpu); t0=$(date +%s%N)
for ((i = 0; i < N; i++)); do
  GIT_SSH_COMMAND=$SSH_BASE timeout 900 git clone -q --bare "$URL" "$W/conc/$i" > "$W/conc/$i.log" 2>&1 &
done
wait
t1=$(date +%s%N); c1=$(cpu)
failed=0
for ((i = 0; i < N; i++)); do
  [ -d "$W/conc/$i" ] && [ "$(du -sm "$W/conc/$i" | cut -f1)" -ge 100 ] || failed=$((failed + 1))
done
echo "$N clones $l: $(((t1 - t0) / 1000000)) ms, $failed failed, proxy CPU $((c1 - c0)) ms, load $(cut -d' ' -f1 /proc/loadavg)"
rm -rf "$W/conc"
