#!/usr/bin/env bash
# PORT=P proxy.sh LABEL [JAVA_OPTS...]: gerrit-proxy from $W/jars/LABEL.jar (copy a build there)
# in front of the cluster, with the launcher's JVM options; HTTP P+1, SSH P+2, admin P+3.
set -eu
. "$(dirname "$0")/env.sh"
LABEL=$1; shift; P=${PORT:-21500}
RUN=$W/run-$LABEL; mkdir -p "$RUN/logs"
cat > "$RUN/proxy.config" <<CFG
[proxy]
	name = sshcpu
	shutdownTimeout = 2s
[httpd]
	listenAddress = 127.0.0.1:$((P + 1))
[sshd]
	listenAddress = 127.0.0.1:$((P + 2))
	hostKey = $W/host_key
	peerKey = $PEER_KEY
[admin]
	listenAddress = 127.0.0.1:$((P + 3))
[accounts]
	user = admin
	password = secret
[node "gerrit-1"]
	http = http://127.0.0.1:$NODE1_HTTP
	ssh = 127.0.0.1:$NODE1_SSH
	priority = 100
[node "gerrit-2"]
	http = http://127.0.0.1:$NODE2_HTTP
	ssh = 127.0.0.1:$NODE2_SSH
	priority = 90
[routing]
	writes = master
[election]
	mode = local
[health]
	interval = 500ms
	timeout = 2s
	fall = 2
	rise = 1
[backdoor]
	type = git
	repository = $SHARED_ALL_PROJECTS
	staleAfter = 2s
CFG
OPTS=$(. "$ROOT/conf/java.env" && printf '%s' "$JAVA_OPTS")
MALLOC_ARENA_MAX=2 java $OPTS "$@" -DLOG_DIR="$RUN/logs" -Dgerrit-proxy.home="$ROOT" \
  -Dlogback.configurationFile="$ROOT/conf/logback.xml" \
  -jar "$W/jars/$LABEL.jar" run -c "$RUN/proxy.config" > "$RUN/proxy.out" 2>&1 &
echo $! > "$W/proxy-$LABEL.pid"
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$((P + 3))/health" 2>/dev/null | tr -d ' \n' | grep -q '"master":{"node":"gerrit-' && break
  sleep 0.2
done
echo "proxy $LABEL: pid $(cat "$W/proxy-$LABEL.pid"), SSH on $((P + 2))"
