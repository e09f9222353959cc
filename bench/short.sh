#!/bin/sh
# Short commands, as the speed issue measures them: `--version`, `list`, `get ID`, `list --json` and
# `fetch ID URL` (no --wait) through bin/bgfetch, with 100 fetches registered and paused in the store
# and the worker gone idle. hyperfine, means of RUNS runs (default 30), each build with its own store.
#
#   bench/short.sh [RUNS]
#
# Environment: BGFETCH_BIN (default target/bgfetch/bin/bgfetch), BGFETCH_BASE_BIN (a second build, run
# in the same hyperfine invocations), JAVA_HOME (which Java), BGB_BASE (default /tmp/bgbench: the
# shared harness's nginx on 127.0.0.1:18080, from ../shared/bench/setup.sh, serves fetch's URL).
# Each `fetch` registers the id `short` again: hyperfine's --prepare aborts and forgets the last one
# (untimed); the worker that fetch asks for starts, downloads 64 KiB and idles out between runs.
set -eu
runs=${1:-30}
here=$(cd -- "$(dirname -- "$0")" && pwd)
bin=${BGFETCH_BIN:-$here/../target/bgfetch/bin/bgfetch}
base_bin=${BGFETCH_BASE_BIN:-}
base=${BGB_BASE:-/tmp/bgbench}
url=http://127.0.0.1:18080/small/s0000.bin
work=$(mktemp -d "${TMPDIR:-/tmp}/bgfetch-short.XXXXXX")
trap 'for h in "$work"/home-*; do BGFETCH_HOME=$h "$bin" worker --stop >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { echo "short.sh: hyperfine is missing (../shared/bench/setup.sh installs it)" >&2; exit 1; }
curl -fsS -o /dev/null "$url" || { echo "short.sh: $url does not answer: run ../shared/bench/setup.sh" >&2; exit 1; }

# a store with 100 paused fetches whose worker went idle and exited (as it does after 1 s here, 10 s by
# default); and the class-data archives made (a few starts)
prepare() { # NAME BIN
    home=$work/home-$1
    for i in $(seq 1 100); do
        BGFETCH_WORKER_IDLE=1s BGFETCH_HOME=$home "$2" fetch "p$i" http://127.0.0.1:18080/slow1/big/1g.bin \
            -d "$work/dl/$1-$i" >/dev/null
        BGFETCH_HOME=$home "$2" pause "p$i" >/dev/null 2>&1
    done
    n=0
    while BGFETCH_HOME=$home "$2" worker --status 2>/dev/null | grep -q 'pid'; do
        n=$((n + 1))
        [ "$n" -lt 60 ] || { echo "short.sh: the worker of $home did not go idle" >&2; exit 1; }
        sleep 1
    done
    for i in 1 2 3 4 5; do BGFETCH_HOME=$home "$2" --version >/dev/null; BGFETCH_HOME=$home "$2" get p1 >/dev/null; done
}
prepare cur "$bin"
[ -n "$base_bin" ] && prepare base "$base_bin"
sleep 10 # the archive trainers finish
for cmd in "--version" "list" "get p50" "list --json" "fetch short $url -d $work/dl"; do
    set -- -N -w 3 -r "$runs" --export-json "$work/$$.json"
    if [ "${cmd%% *}" = fetch ]; then
        set -- "$@" --prepare "sh -c 'BGFETCH_HOME=$work/home-cur $bin abort short; BGFETCH_HOME=$work/home-cur $bin forget short; sleep 1' >/dev/null 2>&1"
    fi
    set -- "$@" -n "cur $cmd" "env BGFETCH_HOME=$work/home-cur $bin $cmd"
    if [ -n "$base_bin" ]; then
        [ "${cmd%% *}" = fetch ] && set -- "$@" --prepare "sh -c 'BGFETCH_HOME=$work/home-base $base_bin abort short; BGFETCH_HOME=$work/home-base $base_bin forget short; sleep 1' >/dev/null 2>&1"
        set -- "$@" -n "base $cmd" "env BGFETCH_HOME=$work/home-base $base_bin $cmd"
    fi
    hyperfine "$@" 2>&1 | grep -E '^Benchmark|Time \(mean' | sed 's/ *\[User.*//'
done
