# bgfetch as a column of the shared loopback benchmark (../shared/bench/run.sh, loaded via EXTRA_TOOLS).
# The worker idles out after 2 s so the harness counts its CPU and RSS (it must exit within
# BGBENCH_DRAIN_S); its state lives outside DEST so DEST holds only the downloaded files.
export BGFETCH_BIN=${BGFETCH_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/bgfetch/bin/bgfetch}
export BGFETCH_HOME=${BGFETCH_HOME:-/tmp/bgbench/bgfetch-state}
export BGFETCH_WORKER_IDLE=${BGFETCH_WORKER_IDLE:-2s}
TOOL_DESC[bgfetch]="bgfetch fetch ID -i LIST --dir DEST --wait (16 conns, 6/host default)"
have_bgfetch() { [[ -x $BGFETCH_BIN ]]; }
tool_bgfetch() {
  local wl=$1 list=$2 dest=$3 id="bench-$1-$(date +%s%N)"
  "$BGFETCH_BIN" fetch "$id" -i "$list" --dir "$dest" --wait -q && "$BGFETCH_BIN" forget "$id" -q
}
# The same limits as the harness's aria2c_x16 (-x16 -s16 -k1M): 16 connections to the host, segments
# of at least 1 MiB. (Until the twelfth session this column kept the default --min-split-size 4Mi,
# which let W4's last segments run alone for up to 0.8 s at 10 MiB/s: see RESULTS.md.)
TOOL_DESC[bgfetch_x16]="bgfetch ... --max-per-host 16 --split 16 --min-split-size 1Mi (as aria2c -x16 -s16 -k1M)"
have_bgfetch_x16() { have_bgfetch; }
tool_bgfetch_x16() {
  local wl=$1 list=$2 dest=$3 id="bench16-$1-$(date +%s%N)"
  BGFETCH_MAX_PER_HOST=16 "$BGFETCH_BIN" fetch "$id" -i "$list" --dir "$dest" --wait -q --max-per-host 16 \
    --split 16 --min-split-size 1Mi && "$BGFETCH_BIN" forget "$id" -q
}
TOOL_DESC[bgfetch_x16k4]="bgfetch ... --max-per-host 16 with the default --min-split-size 4Mi (the column before the twelfth session)"
have_bgfetch_x16k4() { have_bgfetch; }
tool_bgfetch_x16k4() {
  local wl=$1 list=$2 dest=$3 id="bench16k4-$1-$(date +%s%N)"
  BGFETCH_MAX_PER_HOST=16 BGFETCH_HOME=${BGFETCH_HOME}-k4 "$BGFETCH_BIN" fetch "$id" -i "$list" --dir "$dest" --wait -q \
    --max-per-host 16 && BGFETCH_HOME=${BGFETCH_HOME}-k4 "$BGFETCH_BIN" forget "$id" -q
}
TOOL_DESC[bgfetch_nosync]="bgfetch ... with BGFETCH_FSYNC=false (no fsync per file, like the peers)"
have_bgfetch_nosync() { have_bgfetch; }
tool_bgfetch_nosync() {
  local wl=$1 list=$2 dest=$3 id="benchns-$1-$(date +%s%N)"
  BGFETCH_FSYNC=false "$BGFETCH_BIN" fetch "$id" -i "$list" --dir "$dest" --wait -q && "$BGFETCH_BIN" forget "$id" -q
}
# https rows (W6/W7): bgfetch trusts the harness's self-signed CA as the peers do, through its
# ca-certificate setting (BGFETCH_CA_CERTIFICATE), which adds a PEM file to the JDK's trust.
[[ -n ${BGB_CA:-} ]] && export BGFETCH_CA_CERTIFICATE=${BGFETCH_CA_CERTIFICATE:-$BGB_CA}
TOOL_DESC[bgfetch_c1]="bgfetch ... with the worker on C1 only (-XX:TieredStopAtLevel=1), as before run 4"
have_bgfetch_c1() { have_bgfetch; }
tool_bgfetch_c1() {
  local wl=$1 list=$2 dest=$3 id="benchc1-$1-$(date +%s%N)"
  BGFETCH_JAVA_OPTS="${BGFETCH_JAVA_OPTS:-} -XX:TieredStopAtLevel=1" \
    "$BGFETCH_BIN" fetch "$id" -i "$list" --dir "$dest" --wait -q && "$BGFETCH_BIN" forget "$id" -q
}
TOOL_DESC[bgfetch_c2]="bgfetch ... with the worker on C1+C2 (-XX:TieredStopAtLevel=4)"
have_bgfetch_c2() { have_bgfetch; }
tool_bgfetch_c2() {
  local wl=$1 list=$2 dest=$3 id="benchc2-$1-$(date +%s%N)"
  BGFETCH_JAVA_OPTS="${BGFETCH_JAVA_OPTS:-} -XX:TieredStopAtLevel=4" \
    "$BGFETCH_BIN" fetch "$id" -i "$list" --dir "$dest" --wait -q && "$BGFETCH_BIN" forget "$id" -q
}
# A/B against another build in the same run (the figures of one run compare; runs on a shared
# machine do not): BGFETCH_BASE_BIN=/path/to/other/bin/bgfetch bench/run.sh bgfetch bgfetch_base ...
# Its own store, so neither build's idling worker picks up the other's fetch.
TOOL_DESC[bgfetch_base]="the same as bgfetch, with the build at BGFETCH_BASE_BIN"
have_bgfetch_base() { [[ -x ${BGFETCH_BASE_BIN:-} ]]; }
tool_bgfetch_base() {
  BGFETCH_BIN=$BGFETCH_BASE_BIN BGFETCH_HOME=${BGFETCH_HOME}-base tool_bgfetch "$@"
}
TOOL_DESC[bgfetch_jdktls]="bgfetch ... with the JDK's TLS instead of BoringSSL (-Dbgfetch.tls=jdk)"
have_bgfetch_jdktls() { have_bgfetch; }
tool_bgfetch_jdktls() {
  BGFETCH_JAVA_OPTS="${BGFETCH_JAVA_OPTS:-} -Dbgfetch.tls=jdk" BGFETCH_HOME=${BGFETCH_HOME}-jdktls tool_bgfetch "$@"
}
TOOL_DESC[bgfetch_nodirect]="bgfetch ... with large bodies through the page cache (-Dbgfetch.direct-io=false)"
have_bgfetch_nodirect() { have_bgfetch; }
tool_bgfetch_nodirect() {
  BGFETCH_JAVA_OPTS="${BGFETCH_JAVA_OPTS:-} -Dbgfetch.direct-io=false" BGFETCH_HOME=${BGFETCH_HOME}-nodirect tool_bgfetch "$@"
}
# Experiments' columns: extra JVM options (they reach the client and the worker) from BGFETCH_ALT_OPTS
# and BGFETCH_ALT_OPTS2, two trials in one run, each with its own store:
#   BGFETCH_ALT_OPTS="-XX:CompileThresholdScaling=3" bench/run.sh bgfetch bgfetch_opts ...
with_opts() { # OPTS STORE-SUFFIX WL LIST DEST
  local opts=$1 suffix=$2; shift 2
  BGFETCH_JAVA_OPTS="${BGFETCH_JAVA_OPTS:-} $opts" BGFETCH_HOME=${BGFETCH_HOME}-$suffix tool_bgfetch "$@"
}
TOOL_DESC[bgfetch_opts]="bgfetch ... with BGFETCH_JAVA_OPTS+=\$BGFETCH_ALT_OPTS (${BGFETCH_ALT_OPTS:-})"
have_bgfetch_opts() { have_bgfetch && [[ -n ${BGFETCH_ALT_OPTS:-} ]]; }
tool_bgfetch_opts() { with_opts "$BGFETCH_ALT_OPTS" opts "$@"; }
TOOL_DESC[bgfetch_opts2]="bgfetch ... with BGFETCH_JAVA_OPTS+=\$BGFETCH_ALT_OPTS2 (${BGFETCH_ALT_OPTS2:-})"
have_bgfetch_opts2() { have_bgfetch && [[ -n ${BGFETCH_ALT_OPTS2:-} ]]; }
tool_bgfetch_opts2() { with_opts "$BGFETCH_ALT_OPTS2" opts2 "$@"; }
