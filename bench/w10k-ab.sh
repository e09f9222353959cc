#!/usr/bin/env bash
# The 10,000-file group with JVM-option variants of the same build, interleaved with curl --parallel:
#   bench/w10k-ab.sh "default=" "c1=-XX:TieredStopAtLevel=1" curl    # REPS=3 by default
# Each variant is NAME=BGFETCH_JAVA_OPTS and has its own store (a fresh worker each run); `curl` is the
# peer, `base` the build at BGFETCH_BASE_BIN (as in bench/tools.sh). Prints one line per run: wall, user and system CPU (client + worker), peak RSS, files.
# Needs ../shared/bench/setup.sh run and bench/w10k.sh run once (it writes the lists).
# AB_LIST=/tmp/bgbench/lists/W2.urls runs another list (curl gets a config made from it), AB_DL=/mnt/x
# puts the downloads (and the stores) on another file system.
set -u
here=$(cd "$(dirname "$0")" && pwd)
shared=${BGBENCH_HARNESS:-$here/../../shared/bench}
bin=${BGFETCH_BIN:-$here/../target/bgfetch/bin/bgfetch}
list=${AB_LIST:-/tmp/bgbench/lists/W10K.input} curlcfg=/tmp/bgbench/lists/W10K.curl dl=${AB_DL:-/tmp/bgbench/dl}
if [[ -n ${AB_LIST:-} ]]; then
  curlcfg=$(mktemp)
  awk '/^http/ { n = split($1, p, "/"); printf "url = \"%s\"\noutput = \"%s\"\n", $1, p[n] }' "$list" >"$curlcfg"
fi
[[ -s $list && -s $curlcfg ]] || { echo "w10k-ab: run bench/w10k.sh once first (it writes the lists)" >&2; exit 2; }
export BGFETCH_WORKER_IDLE=2s BGBENCH_DRAIN_S=30
m=$(mktemp)
for rep in $(seq 1 "${REPS:-3}"); do
  for v in "$@"; do
    name=${v%%=*} opts=${v#*=}
    dest=$dl/ab-$name; rm -rf "$dest"; mkdir -p "$dest"
    vbin=$bin
    if [[ $v == base ]]; then
      vbin=${BGFETCH_BASE_BIN:?w10k-ab: base needs BGFETCH_BASE_BIN} opts=
    fi
    if [[ $v == curl ]]; then
      (cd "$dest" && python3 "$shared/lib/measure.py" "$m" -- curl -sS --no-progress-meter --fail --parallel --parallel-max 16 -K "$curlcfg")
    else
      BGFETCH_HOME=$dl/ab-state-$name BGFETCH_JAVA_OPTS="$opts" \
        python3 "$shared/lib/measure.py" "$m" -- "$vbin" fetch "ab-$rep-$RANDOM" -i "$list" -d "$dest" --wait -q
    fi
    echo "$name rep $rep $(grep -oE '(rc|wall_s|user_s|sys_s|maxrss_kb)=[0-9.]+' "$m" | tr '\n' ' ')files=$(find "$dest" -type f | wc -l)"
  done
done
rm -f "$m"
