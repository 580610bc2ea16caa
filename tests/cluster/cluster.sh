#!/usr/bin/env bash
# The real test cluster: a repmgr-managed primary (node1), a standby (node2) and a cascading
# standby of node2 (node3) on loopback ports, plus the failover moves the tests and demos need.
set -Eeuo pipefail

BASE_PORT=${PGSTEER_BASE_PORT:-15432}
DIR=${PGSTEER_CLUSTER_DIR:-/tmp/pgsteer-cluster-$BASE_PORT}
SCALE=${PGSTEER_SCALE:-1}
WAIT_TIMEOUT=${PGSTEER_WAIT_TIMEOUT:-60}
BIN=/usr/lib/postgresql/15/bin
NODES=(1 2 3)
STEP=""          # what `start` is doing, for the failure report
STEP_NODE=""     # whose log to show if that step fails

usage() {
  cat <<EOF
usage: cluster.sh COMMAND [ARGS]
  start                 fresh 3-node cluster (node1 primary, node2 standby, node3 cascading from node2)
  stop                  stop every node of this cluster (idempotent)
  status                per node: port, running, in recovery, LSN; then repmgr cluster show
  stop-primary          stop the current primary (prints its node number)
  stop-node N           stop node N
  start-node N          start node N again as it is
  promote N             repmgr standby promote on N; every other running standby follows N
  switchover N          make N primary and rejoin the old primary as a standby of N
  pause-replay N        pg_wal_replay_pause() on N
  resume-replay N       pg_wal_replay_resume() on N
  set N KEY VALUE       ALTER SYSTEM SET KEY = VALUE on N, then reload
  psql N [ARGS...]      psql as postgres to node N, database app
  wait-replay           wait until every running standby replayed the primary's current LSN
env: PGSTEER_BASE_PORT=$BASE_PORT PGSTEER_CLUSTER_DIR=$DIR PGSTEER_SCALE=$SCALE
     PGSTEER_WAIT_TIMEOUT=$WAIT_TIMEOUT (seconds) PGSTEER_CLUSTER_VERBOSE=1 (time each start step)
EOF
}

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster.sh: $*" >&2; }

port_of() { echo $((BASE_PORT + $1 - 1)); }
data_of() { echo "$DIR/node$1"; }
conf_of() { echo "$DIR/repmgr-node$1.conf"; }
log_of() { echo "$DIR/log/node$1.log"; }
REPMGR_LOG="$DIR/log/repmgr.log"
START_PID_FILE="$DIR.start-pid"   # beside DIR, which start removes

check_node() {
  [[ "${1:-}" =~ ^[123]$ ]] || die "node must be 1, 2 or 3 (got '${1:-}')"
}

# PostgreSQL refuses to run as root; as any other user we run the tools directly.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && exec runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# One value from node N as superuser postgres over TCP (trust).
sql() {
  local node=$1; shift
  "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_of "$node")" -U postgres \
    -d postgres -c "$@"
}

# repmgr's own chatter goes to a log file, shown when something fails.
repmgr_on() {
  local node=$1; shift
  as_pg "$BIN/repmgr" -f "$(conf_of "$node")" "$@" >>"$REPMGR_LOG" 2>&1
}

is_running() {
  [[ -f "$(data_of "$1")/PG_VERSION" ]] && as_pg "$BIN/pg_ctl" status -D "$(data_of "$1")" >/dev/null 2>&1
}

running_nodes() {
  local n
  for n in "${NODES[@]}"; do
    if is_running "$n"; then echo "$n"; fi
  done
}

in_recovery() { [[ "$(sql "$1" 'SELECT pg_is_in_recovery()')" == t ]]; }

# Timeline a primary writes on: the first 8 hex digits of its current WAL file name.
primary_timeline() {
  echo $((16#$(sql "$1" 'SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)')))
}

# The running node out of recovery on the highest timeline: a promoted standby outranks an
# old primary restarted on its own (the split-brain case).
current_primary() {
  local n best="" best_tli=-1 tli
  for n in $(running_nodes); do
    if ! in_recovery "$n"; then
      tli=$(primary_timeline "$n")
      if ((tli > best_tli)); then best=$n; best_tli=$tli; fi
    fi
  done
  [[ -n "$best" ]] || die "no running primary"
  echo "$best"
}

# Polls a shell condition once per 100 ms until it holds or WAIT_TIMEOUT passes.
wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "timed out after ${WAIT_TIMEOUT}s waiting for $what"
    sleep 0.1
  done
}

not() { ! "$@"; }
reloaded_since() { [[ "$(sql "$1" "SELECT pg_conf_load_time() > '$2'")" == t ]]; }
replayed() { [[ "$(sql "$1" "SELECT pg_last_wal_replay_lsn() >= '$2'::pg_lsn")" == t ]]; }

streams_from() {
  [[ "$(sql "$1" "SELECT count(*) FROM pg_stat_wal_receiver
                  WHERE status = 'streaming' AND sender_port = $(port_of "$2")")" == 1 ]]
}

wait_replay() {
  local primary target n
  primary=$(current_primary)
  target=$(sql "$primary" 'SELECT pg_current_wal_lsn()')
  for n in $(running_nodes); do
    if [[ $n != "$primary" ]] && in_recovery "$n"; then
      wait_for "node$n to replay $target" replayed "$n" "$target"
    fi
  done
}

start_node() {
  as_pg "$BIN/pg_ctl" start -w -t "$WAIT_TIMEOUT" -D "$(data_of "$1")" -l "$(log_of "$1")" >/dev/null
}

# Stops node N if it runs; a postmaster whose pid file is gone or stale is found by its
# data directory on the command line, so a crashed run leaves nothing behind either.
stop_node() {
  local node=$1 mode=${2:-immediate} data pid
  data=$(data_of "$node")
  if [[ -f "$data/postmaster.pid" ]]; then
    as_pg "$BIN/pg_ctl" stop -w -t "$WAIT_TIMEOUT" -m "$mode" -D "$data" >/dev/null 2>&1 || true
  fi
  for pid in $(postmasters_of "$data"); do
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# Builtins only: this walks every process on the machine.
postmasters_of() {
  local data=$1 f argv
  for f in /proc/[0-9]*/cmdline; do
    mapfile -d '' argv 2>/dev/null <"$f" || continue
    if [[ ${#argv[@]} -ge 3 && ${argv[0]} == "$BIN/postgres" && ${argv[1]} == -D && ${argv[2]} == "$data" ]]; then
      f=${f#/proc/}; echo "${f%/cmdline}"
    fi
  done
}

stop_all() {
  local n
  for n in "${NODES[@]}"; do stop_node "$n" immediate; done
}

# A `start` still running for this directory (its caller died, or a second start came) is told
# to give up first, so it cannot bring nodes up after we stopped them.
end_running_start() {
  local pid argv
  [[ -f "$START_PID_FILE" ]] || return 0
  pid=$(<"$START_PID_FILE")
  if [[ "$pid" =~ ^[0-9]+$ && $pid != "$$" ]] && mapfile -d '' argv 2>/dev/null <"/proc/$pid/cmdline" \
     && [[ ${argv[1]:-} == *cluster.sh && ${argv[2]:-} == start ]]; then
    say "ending the start still running as pid $pid"
    # It acts on TERM once its current step returns; a step that hangs gets KILL.
    kill -TERM "$pid" 2>/dev/null || true
    (wait_for "pid $pid to exit" not kill -0 "$pid") || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$START_PID_FILE"
}

cmd_stop() {
  end_running_start
  stop_all
}

write_primary_config() {
  local data=$1
  cat >>"$data/postgresql.conf" <<EOF

# pgsteer test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
shared_preload_libraries = 'repmgr'
wal_level = replica
wal_log_hints = on
hot_standby = on
max_wal_senders = 10
max_replication_slots = 10
max_connections = 200
shared_buffers = 32MB
fsync = off
password_encryption = 'scram-sha-256'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
EOF
  cat >"$data/pg_hba.conf" <<EOF
# superusers and replication: trust on loopback; everyone else proves a password
local   all          postgres                    trust
local   all          repmgr                      trust
local   replication  repmgr                      trust
host    all          postgres     127.0.0.1/32   trust
host    all          repmgr       127.0.0.1/32   trust
host    replication  repmgr       127.0.0.1/32   trust
host    replication  postgres     127.0.0.1/32   trust
local   all          all                         scram-sha-256
host    all          all          127.0.0.1/32   scram-sha-256
EOF
}

write_node_port() {
  printf "\nport = %d\n" "$(port_of "$1")" >>"$(data_of "$1")/postgresql.conf"
}

write_repmgr_conf() {
  local node=$1 data conf log
  data=$(data_of "$node"); conf=$(conf_of "$node"); log=$(log_of "$node")
  cat >"$conf" <<EOF
node_id=$node
node_name='node$node'
conninfo='host=127.0.0.1 port=$(port_of "$node") user=repmgr dbname=repmgr connect_timeout=2'
data_directory='$data'
pg_bindir='$BIN'
use_replication_slots=yes
failover=manual
log_level=INFO
promote_command='$BIN/repmgr standby promote -f $conf'
follow_command='$BIN/repmgr standby follow -f $conf --upstream-node-id=%n'
service_start_command='$BIN/pg_ctl start -w -D $data -l $log'
service_stop_command='$BIN/pg_ctl stop -w -m fast -D $data'
service_restart_command='$BIN/pg_ctl restart -w -m fast -D $data -l $log'
service_reload_command='$BIN/pg_ctl reload -D $data'
EOF
  chown postgres: "$conf" 2>/dev/null || true
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

on_start_failure() {
  local rc=$?
  trap - ERR INT TERM
  echo "cluster.sh start: failed while: $STEP (exit $rc)" >&2
  if [[ -n "$STEP_NODE" && -f "$(log_of "$STEP_NODE")" ]]; then
    echo "--- tail of $(log_of "$STEP_NODE")" >&2
    tail -n 30 "$(log_of "$STEP_NODE")" >&2
  fi
  if [[ -f "$REPMGR_LOG" ]]; then
    echo "--- tail of $REPMGR_LOG" >&2
    tail -n 20 "$REPMGR_LOG" >&2
  fi
  stop_all
  rm -f "$START_PID_FILE"
  exit 1
}

on_start_signal() {
  trap - ERR INT TERM
  echo "cluster.sh start: got SIG$1 while: $STEP; stopping what was started" >&2
  stop_all
  rm -f "$START_PID_FILE"
  exit $((128 + $(kill -l "$1")))
}

step() {
  STEP=$1; STEP_NODE=${2:-}
  [[ -z "${PGSTEER_CLUSTER_VERBOSE:-}" ]] || say "[${SECONDS}s] $STEP"
}

clone_standby() {
  local node=$1 upstream=$2
  step "cloning node$node from node$upstream" "$upstream"
  write_repmgr_conf "$node"
  as_pg "$BIN/repmgr" -f "$(conf_of "$node")" -h 127.0.0.1 -p "$(port_of "$upstream")" -U repmgr \
    -d repmgr standby clone --fast-checkpoint --upstream-node-id="$upstream" >>"$REPMGR_LOG" 2>&1
  write_node_port "$node"
  step "starting node$node" "$node"
  start_node "$node"
  wait_for "node$node to stream from node$upstream" streams_from "$node" "$upstream"
  step "registering node$node" "$node"
  repmgr_on "$node" standby register --upstream-node-id="$upstream"
}

cmd_start() {
  local began=$SECONDS n
  cmd_stop
  echo $$ >"$START_PID_FILE"
  rm -rf "$DIR"
  for n in "${NODES[@]}"; do
    port_free "$(port_of "$n")" || die "port $(port_of "$n") is already in use"
  done
  mkdir -p "$DIR/log"
  [[ $EUID -ne 0 ]] || chown -R postgres: "$DIR"
  trap on_start_failure ERR
  trap 'on_start_signal INT' INT
  trap 'on_start_signal TERM' TERM

  step "initdb node1" 1
  as_pg "$BIN/initdb" -D "$(data_of 1)" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >>"$DIR/log/initdb.log" 2>&1
  write_primary_config "$(data_of 1)"
  write_node_port 1
  write_repmgr_conf 1
  step "starting node1" 1
  start_node 1

  step "creating roles and databases" 1
  sql 1 "CREATE ROLE repmgr SUPERUSER LOGIN" >/dev/null
  sql 1 "CREATE DATABASE repmgr OWNER repmgr" >/dev/null
  sql 1 "CREATE ROLE app LOGIN PASSWORD 'app'" >/dev/null
  sql 1 "CREATE DATABASE app OWNER app" >/dev/null
  step "pgbench -i -s $SCALE" 1
  PGPASSWORD=app "$BIN/pgbench" -i -q -s "$SCALE" -h 127.0.0.1 -p "$(port_of 1)" -U app app \
    >>"$DIR/log/pgbench-init.log" 2>&1
  step "registering node1 as primary" 1
  repmgr_on 1 primary register

  clone_standby 2 1
  clone_standby 3 2

  step "waiting for the standbys to catch up" 3
  wait_replay
  trap - ERR INT TERM
  rm -f "$START_PID_FILE"
  echo "pgsteer test cluster ready in $((SECONDS - began)) s (dir $DIR)"
  for n in "${NODES[@]}"; do
    echo "  node$n  port $(port_of "$n")  $( ((n == 1)) && echo primary || echo "standby of node$((n - 1))")"
  done
  echo "  app:       host=127.0.0.1 port=$(port_of 1) user=app password=app dbname=app"
  echo "  superuser: host=127.0.0.1 port=$(port_of 1) user=postgres dbname=app (trust)"
}

cmd_status() {
  local n state
  for n in "${NODES[@]}"; do
    if is_running "$n"; then
      if in_recovery "$n"; then
        state="standby  replay $(sql "$n" 'SELECT pg_last_wal_replay_lsn()')"
        state+="  upstream port $(sql "$n" "SELECT coalesce(max(sender_port)::text, 'none') FROM pg_stat_wal_receiver")"
        [[ "$(sql "$n" 'SELECT pg_is_wal_replay_paused()')" == f ]] || state+="  (replay paused)"
      else
        state="primary  lsn $(sql "$n" 'SELECT pg_current_wal_lsn()')  timeline $(primary_timeline "$n")"
      fi
      echo "node$n  port $(port_of "$n")  running  $state"
    else
      echo "node$n  port $(port_of "$n")  stopped"
    fi
  done
  # The current primary holds the freshest repmgr metadata.
  local primary
  if primary=$(current_primary 2>/dev/null); then
    as_pg "$BIN/repmgr" -f "$(conf_of "$primary")" cluster show 2>&1 || true
  fi
}

# Every running standby other than the new primary follows it, unless it already streams from it
# (a cascade child of the promoted node keeps streaming across the timeline switch).
follow_new_primary() {
  local primary=$1 n
  for n in $(running_nodes); do
    if [[ $n == "$primary" ]] || ! in_recovery "$n"; then continue; fi
    if ! streams_from "$n" "$primary"; then
      repmgr_on "$n" standby follow --upstream-node-id="$primary" \
        || { tail -n 20 "$REPMGR_LOG" >&2; die "node$n could not follow node$primary"; }
    fi
    wait_for "node$n to stream from node$primary" streams_from "$n" "$primary"
  done
}

cmd_promote() {
  local node=$1 n
  if ! is_running "$node" || ! in_recovery "$node"; then die "node$node is not a running standby"; fi
  repmgr_on "$node" standby promote \
    || { tail -n 20 "$REPMGR_LOG" >&2; die "repmgr standby promote failed on node$node"; }
  wait_for "node$node to leave recovery" not in_recovery "$node"
  follow_new_primary "$node"
  # Without a checkpoint (a restartpoint on standbys), repmgr cluster show keeps printing the
  # old timeline.
  wait_replay
  for n in $(running_nodes); do sql "$n" CHECKPOINT >/dev/null; done
}

# repmgr's own switchover drives the old primary over ssh, which these machines lack; this does
# the same moves locally: clean stop of the old primary, promote, rejoin it under the new one.
cmd_switchover() {
  local node=$1 old
  old=$(current_primary)
  [[ $node != "$old" ]] || die "node$node is already the primary"
  sql "$old" CHECKPOINT >/dev/null
  wait_replay
  stop_node "$old" fast
  cmd_promote "$node"
  repmgr_on "$old" node rejoin -d "host=127.0.0.1 port=$(port_of "$node") user=repmgr dbname=repmgr" \
    --force-rewind --config-files=postgresql.conf \
    || { tail -n 20 "$REPMGR_LOG" >&2; die "repmgr node rejoin failed on node$old"; }
  wait_for "node$old to stream from node$node" streams_from "$old" "$node"
}

cmd_set() {
  local node=$1 key=$2 value=$3 loaded
  loaded=$(sql "$node" 'SELECT pg_conf_load_time()')
  "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_of "$node")" -U postgres -d postgres \
    -v key="$key" -v value="$value" >/dev/null <<'EOF'
ALTER SYSTEM SET :"key" = :'value';
SELECT pg_reload_conf();
EOF
  # The reload is asynchronous: a new session sees it once the postmaster has re-read the files.
  wait_for "node$node to reload its configuration" reloaded_since "$node" "$loaded"
  if [[ "$(sql "$node" "SELECT context FROM pg_settings WHERE name = lower('$key')")" == postmaster ]]; then
    say "$key takes effect on node$node after a restart (stop-node $node; start-node $node)"
  fi
}

main() {
  local cmd=${1:-}
  [[ -n "$cmd" ]] || { usage >&2; exit 2; }
  shift
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    stop-primary)
      local p; p=$(current_primary); stop_node "$p" fast; echo "$p" ;;
    stop-node) check_node "${1:-}"; stop_node "$1" fast ;;
    start-node)
      check_node "${1:-}"
      is_running "$1" || start_node "$1" ;;
    promote) check_node "${1:-}"; cmd_promote "$1" ;;
    switchover) check_node "${1:-}"; cmd_switchover "$1" ;;
    pause-replay) check_node "${1:-}"; sql "$1" 'SELECT pg_wal_replay_pause()' >/dev/null ;;
    resume-replay) check_node "${1:-}"; sql "$1" 'SELECT pg_wal_replay_resume()' >/dev/null ;;
    set)
      check_node "${1:-}"; (($# == 3)) || die "usage: set N KEY VALUE"
      cmd_set "$1" "$2" "$3" ;;
    psql)
      check_node "${1:-}"; local node=$1; shift
      exec "$BIN/psql" -X -h 127.0.0.1 -p "$(port_of "$node")" -U postgres -d app "$@" ;;
    wait-replay) wait_replay ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
