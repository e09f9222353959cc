#!/usr/bin/env bash
# The 10,000-file group of the speed issue: 10,000 x 64 KiB in ONE fetch (`-i` with `out=` names),
# bgfetch against curl --parallel 16, side by side, interleaved, through the shared harness's
# measure.py (it counts the detached worker's CPU and RSS too). Needs ../shared/bench/setup.sh run.
#   bench/w10k.sh [REPS]        # default 3; prints one line per run and the medians
#   W10K_DIR=/mnt/x bench/w10k.sh   # downloads and bgfetch's state there (e.g. a journaled ext4)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${BGBENCH_HARNESS:-$here/../../shared/bench}
base=/tmp/bgbench
reps=${1:-3}
bin=${BGFETCH_BIN:-$here/../target/bgfetch/bin/bgfetch}
[[ -x $bin ]] || { echo "w10k: build first (./mvnw -B package -DskipTests)" >&2; exit 2; }
curl -fsS -o /dev/null http://127.0.0.1:18080/small/s0000.bin || { echo "w10k: nginx not up: run $shared/setup.sh" >&2; exit 2; }
list=$base/lists/W10K.input curlcfg=$base/lists/W10K.curl
mkdir -p "$base/lists" "$base/dl"
if [[ ! -s $list ]]; then
  for r in $(seq 0 9); do for i in $(seq -f %04g 0 999); do
    printf 'http://127.0.0.1:18080/small/s%s.bin\n  out=r%d-s%s.bin\n' "$i" "$r" "$i"
    printf 'url = "http://127.0.0.1:18080/small/s%s.bin"\noutput = "r%d-s%s.bin"\n' "$i" "$r" "$i" >&3
  done; done >"$list" 3>"$curlcfg"
fi
out_dir=${W10K_DIR:-$base}
mkdir -p "$out_dir/dl"
export BGFETCH_HOME=$out_dir/bgfetch-state-w10k BGFETCH_WORKER_IDLE=2s BGBENCH_DRAIN_S=30
run() { # tool rep
  local dest=$out_dir/dl/w10k-$1 out=$out_dir/dl/w10k-$1.m id="w10k-$1-$2-$RANDOM"
  rm -rf "$dest"; mkdir -p "$dest"
  case $1 in
    bgfetch) python3 "$shared/lib/measure.py" "$out" -- "$bin" fetch "$id" -i "$list" -d "$dest" --wait -q ;;
    # registration alone: wall is until `fetch` returns; then wait for the download before the next run
    bgfetch_reg) BGBENCH_DRAIN_S=0 python3 "$shared/lib/measure.py" "$out" -- "$bin" fetch "$id" -i "$list" -d "$dest" -q >/dev/null
      "$bin" wait "$id" -q
      # the next run's worker must be its own, started by its fetch and counted in its CPU and RSS
      "$bin" worker --stop -q ;;
    curl_par) (cd "$dest" && python3 "$shared/lib/measure.py" "$out" -- curl -sS --no-progress-meter --fail --parallel --parallel-max 16 -K "$curlcfg") ;;
  esac
  local n; n=$(find "$dest" -maxdepth 1 -type f -name '*.bin' | wc -l)
  printf '%-12s rep %d %s files=%d\n' "$1" "$2" "$(tr '\n' ' ' <"$out")" "$n"
}
for rep in $(seq 1 "$reps"); do
  for t in bgfetch curl_par bgfetch_reg; do run "$t" "$rep"; done
done
"$bin" clean -q >/dev/null 2>&1 || true
