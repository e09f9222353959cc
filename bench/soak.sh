#!/usr/bin/env bash
# Soak test, kept out of the default suite: SIGKILL the real worker many times at random instants
# while it downloads a 100-file group from a throttled local nginx, then check every file is
# byte-identical and nothing else is left in the directory (SPEC §4.15).
#   bench/soak.sh                 # 100 files x 1 MiB, 20 kills
#   FILES=300 KILLS=50 bench/soak.sh
set -euo pipefail
FILES=${FILES:-100}
KILLS=${KILLS:-20}
PORT=${PORT:-18181}
here=$(cd "$(dirname "$0")" && pwd)
bg=$here/../target/bgfetch/bin/bgfetch
[[ -x $bg ]] || (cd "$here/.." && ./mvnw -B -q package -DskipTests)
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }

work=$(mktemp -d /tmp/bgfetch-soak.XXXXXX)
trap 'nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true; "$bg" worker --stop -q || true' EXIT
mkdir -p "$work/www" "$work/dl" "$work/logs"
chmod 755 "$work" "$work/www"   # nginx workers read the files as another user
export BGFETCH_HOME=$work/state BGFETCH_WORKER_IDLE=2s BGFETCH_RETRY_MAX_DELAY=1s
for i in $(seq -w 1 "$FILES"); do head -c 1048576 /dev/urandom > "$work/www/f$i.bin"; echo "http://127.0.0.1:$PORT/f$i.bin"; done > "$work/list"
(cd "$work/www" && sha256sum f*.bin) > "$work/expected"
cat > "$work/nginx.conf" <<NGINX
daemon on; pid $work/nginx.pid; error_log $work/logs/error.log; worker_processes 1;
events { worker_connections 256; }
http { access_log off; server { listen 127.0.0.1:$PORT; root $work/www; limit_rate ${RATE:-512k}; } }
NGINX
nginx -p "$work" -c "$work/nginx.conf"

"$bg" fetch soak -i "$work/list" -d "$work/dl" -q
hits=0
for k in $(seq 1 "$KILLS"); do
  sleep "0.$((RANDOM % 9 + 1))"
  pid=$("$bg" worker --status --json | sed -n 's/.*"pid" : \([0-9]*\).*/\1/p')
  if [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; then
    hits=$((hits + 1)); echo "kill $k: worker $pid" >&2
  fi
  "$bg" list -q >/dev/null   # any command restarts the worker
done
"$bg" wait soak
(cd "$work/dl" && sha256sum f*.bin) | diff - "$work/expected"
extra=$(ls "$work/dl" | grep -v '^f[0-9]*\.bin$' || true)
[[ -z $extra ]] || { echo "soak: leftovers: $extra" >&2; exit 1; }
echo "soak: $FILES files byte-identical after $hits kill -9 of the worker ($KILLS attempts)" >&2
