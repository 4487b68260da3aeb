#!/usr/bin/env bash
# profile.sh NAME LABEL:PORT N: async-profiler (tools.profiler:async-profiler 4.1 from Maven
# Central, unpacked into $W/ap) attached to the running proxy with jcmd JVMTI.agent_load, over N
# clones (SSH, or HTTP for LABEL+http) after 2 warm-up clones; writes $W/prof-NAME.collapsed (cats.py sums it up; cats.py --http for an HTTP profile).
set -eu
. "$(dirname "$0")/env.sh"
NAME=$1; l=${2%%:*}; p=${2##*:}; N=$3
PID=$(cat "$W/proxy-${l%+*}.pid"); LIB=$W/ap/linux-x64/libasyncProfiler.so
if [ ! -f "$LIB" ]; then
  mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:4.1:jar:linux-x64 -Dtransitive=false
  mkdir -p "$W/ap"
  (cd "$W/ap" && unzip -o -q ~/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1-linux-x64.jar)
fi
WARM=2 "$(dirname "$0")/ab.sh" 0 "$2" > /dev/null
# The option string in quotes: jcmd would otherwise take "event=cpu" for an option of its own.
jcmd "$PID" JVMTI.agent_load "$LIB" "\"start,event=${EV:-cpu},interval=1ms,threads\"" > /dev/null
WARM=0 "$(dirname "$0")/ab.sh" "$N" "$2" | tail -1
jcmd "$PID" JVMTI.agent_load "$LIB" "\"stop,file=$W/prof-$NAME.collapsed,collapsed\"" > /dev/null
echo "profile: $W/prof-$NAME.collapsed ($N clones)"
