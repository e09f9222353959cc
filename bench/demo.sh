#!/usr/bin/env bash
# The main job, as a new user would run it: the podcast example of the web API (an episode and its
# artwork as one background fetch with a title and a downloadTotal), served from a throwaway HTTP
# server on 127.0.0.1 so nothing leaves the machine. Builds the distribution first if needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bg=$here/../target/bgfetch/bin/bgfetch
[[ -x $bg ]] || (cd "$here/.." && ./mvnw -B -q package -DskipTests)
command -v python3 >/dev/null || { echo "demo: needs python3 for the local web server" >&2; exit 2; }

work=$(mktemp -d /tmp/bgfetch-demo.XXXXXX)
mkdir -p "$work/www" "$work/downloads"
head -c 3000000 /dev/urandom > "$work/www/ep-5.mp3"
head -c 200000 /dev/urandom > "$work/www/ep-5-artwork.jpg"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
server=$!
export BGFETCH_HOME=$work/state
trap 'kill $server 2>/dev/null; "$bg" worker --stop -q 2>/dev/null || true' EXIT
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null && break; sleep 0.1; done

set -x
"$bg" fetch ep5 "http://127.0.0.1:$port/ep-5.mp3" "http://127.0.0.1:$port/ep-5-artwork.jpg" \
  --title "Episode 5" --download-total 3200000 --dir "$work/downloads" \
  --on-success 'echo "hook: $BGFETCH_ID $BGFETCH_RESULT, $BGFETCH_DOWNLOADED bytes"'
"$bg" wait ep5
"$bg" get ep5
{ set +x; } 2>/dev/null
cmp "$work/www/ep-5.mp3" "$work/downloads/ep-5.mp3" && cmp "$work/www/ep-5-artwork.jpg" "$work/downloads/ep-5-artwork.jpg"
for _ in $(seq 50); do grep -q 'hook:' "$work/state/worker.log" && break; sleep 0.1; done
grep 'hook:' "$work/state/worker.log" | sed 's/^/worker.log: /'   # the on-success hook ran in the worker
echo "demo: both files are byte-identical in $work/downloads (store: $work/state, log: $work/state/worker.log)"
