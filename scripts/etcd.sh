#!/usr/bin/env bash
# A throwaway etcd cluster on loopback for tests and the fleet walkthrough, on free ports, state in a temp folder.
#   scripts/etcd.sh start DIR [N]     starts N members (default 1); prints ETCD_ENDPOINTS=http://127.0.0.1:P,...
#   scripts/etcd.sh stop-member DIR I stops member I (1..N), as a crash of that host would (SIGKILL)
#   scripts/etcd.sh start-member DIR I starts member I again with its data
#   scripts/etcd.sh stop DIR          stops every member and removes DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=${1:?usage: etcd.sh start|stop|stop-member|start-member DIR}; dir=${2:?usage: etcd.sh CMD DIR}

launch() { # member index
  local i=$1
  . "$dir/member-$i.env"
  setsid etcd --name "m$i" --data-dir "$dir/m$i" \
    --listen-client-urls "http://127.0.0.1:$CLIENT" --advertise-client-urls "http://127.0.0.1:$CLIENT" \
    --listen-peer-urls "http://127.0.0.1:$PEER" --initial-advertise-peer-urls "http://127.0.0.1:$PEER" \
    --initial-cluster "$(cat "$dir/cluster")" --initial-cluster-token "$(basename "$dir")" \
    --initial-cluster-state new --logger zap --log-level warn \
    >> "$dir/m$i.log" 2>&1 < /dev/null &
  echo $! > "$dir/member-$i.pid"
}

healthy() { # endpoint
  curl -s -m 2 "$1/health" | grep -q '"health":"true"'
}

case "$cmd" in
  start)
    n=${3:-1}
    need_packages etcd-server curl
    mkdir -p "$dir"
    cluster=""; endpoints=""
    for i in $(seq 1 "$n"); do
      client=$(free_port); peer=$(free_port)
      printf 'CLIENT=%s\nPEER=%s\n' "$client" "$peer" > "$dir/member-$i.env"
      cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:$peer"
      endpoints="${endpoints:+$endpoints,}http://127.0.0.1:$client"
    done
    echo "$cluster" > "$dir/cluster"; echo "$endpoints" > "$dir/endpoints"
    for i in $(seq 1 "$n"); do launch "$i"; done
    for _ in $(seq 1 100); do
      ok=1
      for e in ${endpoints//,/ }; do healthy "$e" || ok=0; done
      if [ $ok = 1 ]; then echo "ETCD_ENDPOINTS=$endpoints"; exit 0; fi
      sleep 0.2
    done
    say "etcd did not start; see $dir/m*.log"; exit 1 ;;
  stop-member)
    i=${3:?member index}
    kill -9 "$(cat "$dir/member-$i.pid")" 2>/dev/null || true ;;
  start-member)
    i=${3:?member index}
    launch "$i"
    . "$dir/member-$i.env"
    for _ in $(seq 1 100); do curl -s -m 1 "http://127.0.0.1:$CLIENT/version" >/dev/null && exit 0; sleep 0.2; done
    say "etcd member $i did not start again; see $dir/m$i.log"; exit 1 ;;
  stop)
    for f in "$dir"/member-*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
    rm -rf "$dir" ;;
  *) echo "usage: etcd.sh start|stop|stop-member|start-member DIR [N|I]" >&2; exit 2 ;;
esac
