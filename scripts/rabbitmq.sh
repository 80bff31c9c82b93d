#!/usr/bin/env bash
# A throwaway RabbitMQ on loopback for tests and the bench, on free ports, with its state in a temp folder.
#   scripts/rabbitmq.sh start DIR   starts it; prints "AMQP_PORT=<port>" and keeps its files under DIR
#   scripts/rabbitmq.sh stop DIR    stops it and removes DIR
#   scripts/rabbitmq.sh pause DIR   closes the AMQP listener and every connection (an outage); resume reopens it
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=${1:?usage: rabbitmq.sh start|stop DIR}; dir=${2:?usage: rabbitmq.sh start|stop DIR}
node=camflux-$(basename "$dir")@localhost
# the Debian wrappers in /usr/sbin switch to the rabbitmq user; run the server as whoever calls this
bin=/usr/lib/rabbitmq/bin
env_for() {
  export RABBITMQ_NODENAME=$node RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log \
    RABBITMQ_PID_FILE=$dir/rabbit.pid RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins \
    RABBITMQ_CONFIG_FILE=$dir/rabbitmq RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    HOME=$dir
}
case "$cmd" in
  start)
    need_packages rabbitmq-server
    mkdir -p "$dir/mnesia" "$dir/log"
    amqp=$(free_port); dist=$(free_port)
    echo '[].' > "$dir/enabled_plugins"
    printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$amqp" > "$dir/rabbitmq.conf"
    env_for
    export RABBITMQ_NODE_PORT=$amqp RABBITMQ_DIST_PORT=$dist ERL_EPMD_ADDRESS=127.0.0.1
    cp /var/lib/rabbitmq/.erlang.cookie "$dir/.erlang.cookie" 2>/dev/null || echo camfluxtestcookie > "$dir/.erlang.cookie"
    chmod 600 "$dir/.erlang.cookie"
    setsid "$bin/rabbitmq-server" > "$dir/server.out" 2>&1 < /dev/null &
    echo $! > "$dir/launcher.pid"
    for _ in $(seq 1 120); do
      if "$bin/rabbitmqctl" -n "$node" -q await_startup --timeout 1 >/dev/null 2>&1; then
        echo "AMQP_PORT=$amqp"; exit 0
      fi
      sleep 0.5
    done
    say "RabbitMQ did not start; see $dir/server.out and $dir/log"; exit 1 ;;
  pause)
    env_for
    "$bin/rabbitmqctl" -n "$node" -q stop_app ;;
  resume)
    env_for
    "$bin/rabbitmqctl" -n "$node" -q start_app && "$bin/rabbitmqctl" -n "$node" -q await_startup ;;
  stop)
    env_for
    "$bin/rabbitmqctl" -n "$node" -q stop >/dev/null 2>&1 || true
    [ -f "$dir/launcher.pid" ] && kill "$(cat "$dir/launcher.pid")" 2>/dev/null || true
    rm -rf "$dir" ;;
  *) echo "usage: rabbitmq.sh start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
