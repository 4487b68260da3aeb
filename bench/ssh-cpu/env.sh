# Sourced by the bench/ssh-cpu scripts: the source tree, the work directory (Gerrit sites, the
# jars under test, pid files, profiles) and, once the cluster runs, its ports and keys.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W=${SSHCPU_DIR:-/tmp/gerrit-proxy-sshcpu}
mkdir -p "$W/jars" "$W/logs"
[ -f "$W/cluster.env" ] && . "$W/cluster.env"
SSH_BASE="ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR -i ${BENCH_KEY:-}"
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
