#!/usr/bin/env bash
# `make demo` / `make stop`: a three-node repmgr cluster (node1 primary on 15432, node2 standby on
# 15433, node3 cascading from node2 on 15434) and pgsteer in front of it, left running.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
run=$top/.run
export PGSTEER_BASE_PORT=${PGSTEER_BASE_PORT:-15432}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  if [ -f "$run/pgsteer.pid" ]; then
    kill "$(cat "$run/pgsteer.pid")" 2>/dev/null || true
    rm -f "$run/pgsteer.pid"
  fi
  tests/cluster/cluster.sh stop || true
}

start() {
  mkdir -p "$run"
  stop
  tests/cluster/cluster.sh start
  port=5432
  while ! port_free "$port"; do port=$((port + 1)); done
  if [ "$port" != 5432 ]; then
    echo "!!! port 5432 is taken: pgsteer listens on $port instead !!!"
  fi
  # The example config, listening on the chosen port, its users file beside it.
  sed -e "s/^listen = .*/listen = \"127.0.0.1:$port\"/" \
      -e "s|^users_file = .*|users_file = \"$top/etc/users.txt\"|" etc/pgsteer.toml > "$run/pgsteer.toml"
  build/app/pgsteer --check -c "$run/pgsteer.toml"
  nohup build/app/pgsteer -c "$run/pgsteer.toml" > "$run/pgsteer.log" 2>&1 &
  echo $! > "$run/pgsteer.pid"
  for _ in $(seq 50); do port_free "$port" || break; sleep 0.1; done
  if port_free "$port"; then
    echo "pgsteer did not start; its log:"; cat "$run/pgsteer.log"; exit 1
  fi
  cat <<MSG

pgsteer $(build/app/pgsteer --version | awk '{print $NF}') is running on 127.0.0.1:$port in front of the cluster (log: $run/pgsteer.log).
  as the application:  PGPASSWORD=app psql "host=127.0.0.1 port=$port user=app dbname=app"
  as the operator:     PGPASSWORD=admin psql "host=127.0.0.1 port=$port user=admin dbname=pgsteer" -c "SHOW NODES"
  the cluster:         tests/cluster/cluster.sh status
  stop everything:     make stop
MSG
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
