#!/usr/bin/env bash
# cluster.sh: two Gerrit nodes (BenchCluster) with project bench-100m holding one commit of 100 MB
# of random bytes; runs in the foreground until killed. Build first (mvn -DskipTests package).
set -eu
. "$(dirname "$0")/env.sh"
mkdir -p "$W/cluster-jars"
cp "$ROOT/proxy-core/target/gerrit-proxy.jar" "$ROOT/gerrit-cluster/target/gerrit-cluster.jar" \
  "$ROOT/demo/target/gerrit-proxy-demo.jar" "$W/cluster-jars/"
nice java -Xmx256m -Dgerrit.lib="$ROOT/demo/target/gerrit-lib" \
  -Dlogback.configurationFile="$ROOT/conf/logback.xml" -DLOG_DIR="$W/logs" \
  -cp "$W/cluster-jars/gerrit-proxy.jar:$W/cluster-jars/gerrit-cluster.jar:$W/cluster-jars/gerrit-proxy-demo.jar" \
  org.gerritproxy.demo.BenchCluster "$W" "$W/cluster.env" bench-100m > "$W/logs/cluster.out" 2>&1 &
pid=$!
until grep -q 'bench cluster ready' "$W/logs/cluster.out" 2>/dev/null; do
  kill -0 $pid || { tail -5 "$W/logs/cluster.out"; exit 1; }
  sleep 1
done
. "$W/cluster.env"
if [ "$(du -sm "$(dirname "$SHARED_ALL_PROJECTS")/bench-100m.git" | cut -f1)" -lt 100 ]; then
  src=$W/src; rm -rf "$src"
  git clone -q "http://127.0.0.1:$NODE1_HTTP/bench-100m" "$src"
  head -c 100M /dev/urandom > "$src/random.bin"
  git -C "$src" add random.bin
  git -C "$src" -c user.name=Bench -c user.email=bench@example.com commit -qm "100 MB"
  git -C "$src" push -q "http://$BENCH_USER:$BENCH_PASSWORD@127.0.0.1:$NODE1_HTTP/a/bench-100m" HEAD:refs/heads/master
  rm -rf "$src"
fi
echo "cluster ready"
wait $pid
