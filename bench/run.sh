#!/usr/bin/env bash
# bgfetch's own benchmark: the shared side-by-side harness (curl, wget, wget2, aria2c, physical limits
# on a local nginx) with bgfetch added as a column. Needs ../shared/bench (this workplace's harness).
#   bench/run.sh                         # bgfetch against the main peers, all workloads
#   WORKLOADS="W2" bench/run.sh bgfetch curl_par wget2
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${BGBENCH_HARNESS:-$here/../../shared/bench}
[[ -x $shared/run.sh ]] || { echo "bench: no harness at $shared (set BGBENCH_HARNESS)" >&2; exit 2; }
[[ -x $here/../target/bgfetch/bin/bgfetch ]] || (cd "$here/.." && ./mvnw -B -q package -DskipTests)
"$shared/setup.sh" >&2
# The worker must be stopped between runs of different settings; the idle exit does that.
tools=("$@"); ((${#tools[@]})) || tools=(bgfetch curl_par wget2 aria2c_x16 limit_cp limit_cp_sync net_null)
EXTRA_TOOLS=$here/tools.sh exec "$shared/run.sh" "${tools[@]}"
