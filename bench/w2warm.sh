#!/usr/bin/env bash
# W2 (1000 x 64 KiB) with a worker already running, against curl --parallel --parallel-max 16, in
# alternating rounds; prints one line a round. Needs ../shared/bench/setup.sh run.
#   bench/w2warm.sh [ROUNDS]     # default 5; BGFETCH_FSYNC=false etc. reach the worker
#   W2WARM_DIR=/mnt/x bench/w2warm.sh   # downloads (and the state) go there, e.g. a journaled ext4
# Each round writes into new directories and truncates its files after, deleting none until the end:
# this machine's / is ext4 without a journal, where creating files soon after deleting many scans past
# every recently deleted inode (the shared harness avoids it the same way; see its run.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${BGFETCH_BIN:-$here/../target/bgfetch/bin/bgfetch}
base=/tmp/bgbench urls=/tmp/bgbench/lists/W2.urls dl=${W2WARM_DIR:-/tmp/bgbench/dl}
[[ -s $urls ]] || { echo "w2warm: no $urls: run ../shared/bench/setup.sh" >&2; exit 2; }
export BGFETCH_HOME=$dl/w2warm-state BGFETCH_WORKER_IDLE=120s
rounds=${1:-5} stamp=$(date +%s)
"$bin" worker --stop -q >/dev/null 2>&1
rm -rf "$BGFETCH_HOME"
# the worker starts with this first fetch and stays for the rounds
"$bin" fetch warm0 http://127.0.0.1:18080/small/s0000.bin -d "$dl/w2w0" --wait -q
ms() { echo $(( ($2 - $1) / 1000000 )); }
# The worker's own CPU (user + system, ms) from /proc: steadier on this shared machine than wall time
pid=$("$bin" worker --status | sed -n 's/.*pid \([0-9]*\).*/\1/p')
hz=$(getconf CLK_TCK)
wcpu() { awk -v hz="$hz" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat" 2>/dev/null || echo 0; }
for r in $(seq 1 "$rounds"); do
  d=$dl/w2w.$stamp.$r; mkdir -p "$d"
  c0=$(wcpu); t0=$(date +%s%N); "$bin" fetch "w$r" -i "$urls" -d "$d" --wait -q; t1=$(date +%s%N); c1=$(wcpu)
  n=$(find "$d" -type f | wc -l)
  c=$dl/w2c.$stamp.$r; mkdir -p "$c"
  # shellcheck disable=SC2046 # one URL a word
  t2=$(date +%s%N); (cd "$c" && curl -sS --no-progress-meter --parallel --parallel-max 16 --remote-name-all $(cat "$urls")); t3=$(date +%s%N)
  echo "round $r bgfetch $(ms "$t0" "$t1") ms (worker CPU $((c1 - c0)) ms) files=$n curl $(ms "$t2" "$t3") ms files=$(find "$c" -type f | wc -l)"
  "$bin" forget "w$r" -q
  find "$d" "$c" -type f -exec truncate -s 0 {} +
done
"$bin" worker --stop -q
# the emptied files stay (deleting them now would slow the next run's creates); ../shared/bench/stop.sh removes them
