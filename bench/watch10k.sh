#!/usr/bin/env bash
# The live view's cost on the 10,000-file group of the speed issue: `bgfetch watch ID` in a real
# terminal (tmux, 100 x 30) while the worker downloads 10,000 x 64 KiB in one fetch from the shared
# harness's nginx; prints the wall time and the CPU the watch process used (from /proc), and the
# same download's time with nobody watching. Needs ../shared/bench/setup.sh run and tmux.
#   bench/watch10k.sh [REPS]     # default 2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=/tmp/bgbench
reps=${1:-2}
bin=${BGFETCH_BIN:-$here/../target/bgfetch/bin/bgfetch}
[[ -x $bin ]] || { echo "watch10k: build first (./mvnw -B package -DskipTests)" >&2; exit 2; }
curl -fsS -o /dev/null http://127.0.0.1:18080/small/s0000.bin || { echo "watch10k: nginx not up: run ../shared/bench/setup.sh" >&2; exit 2; }
list=$base/lists/W10K-view.input
mkdir -p "$base/lists" "$base/dl"
if [[ ! -s $list ]]; then
  for r in $(seq 0 9); do for i in $(seq -f %04g 0 999); do
    printf 'http://127.0.0.1:18080/small/s%s.bin\n  out=r%d-s%s.bin\n' "$i" "$r" "$i"
  done; done >"$list"
fi
export BGFETCH_HOME=$base/bgfetch-state-watch10k
ticks=$(getconf CLK_TCK)
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sock=$base/watch10k.tmux
for rep in $(seq 1 "$reps"); do
  for mode in watched unwatched; do
    dest=$base/dl/watch10k; rm -rf "$dest"; mkdir -p "$dest"
    id="v$rep-$mode-$RANDOM"
    "$bin" fetch "$id" -i "$list" -d "$dest" -q >/dev/null
    start=$(date +%s.%N)
    if [[ $mode == watched ]]; then
      tmux -S "$sock" kill-server 2>/dev/null || true
      tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
        "env -u CI BGFETCH_HOME=$BGFETCH_HOME $bin watch $id; echo \$? > $base/watch10k.exit; sleep 30"
      pid=""
      for _ in $(seq 1 100); do
        pid=$(pgrep -f "dev.bgfetch.Main.* watch $id" | head -1 || true)
        [[ -n $pid ]] && break; sleep 0.05
      done
      last=0
      while kill -0 "$pid" 2>/dev/null; do last=$(cpu_of "$pid" 2>/dev/null || echo "$last"); sleep 0.1; done
      end=$(date +%s.%N)
      tmux -S "$sock" kill-server 2>/dev/null || true
      printf 'rep %d watched:   %.2f s wall, watch used %.2f s CPU (%.0f%% of one core)\n' "$rep" \
        "$(echo "$end - $start" | bc)" "$(echo "$last / $ticks" | bc -l)" "$(echo "100 * $last / $ticks / ($end - $start)" | bc -l)"
    else
      "$bin" wait "$id" -q
      end=$(date +%s.%N)
      printf 'rep %d unwatched: %.2f s wall\n' "$rep" "$(echo "$end - $start" | bc)"
    fi
  done
done
"$bin" clean -q >/dev/null 2>&1 || true
