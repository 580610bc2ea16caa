# What bench/run.sh measures: direct (the primary), PgBouncer, pgpool-II, pgsteer in front of the
# primary alone (like PgBouncer) and pgsteer splitting reads over the standbys (like pgpool-II).
# Writes each pooler's config into $RUN/<target>/, starts it, checks it serves, stops it.
# Sourced by run.sh, which sets RUN, BASE_PORT, POOL_SIZE, PGPOOL_CHILDREN, MAX_CLIENTS,
# PGSTEER_BIN, PGSTEER_PASSWORD, PG_BIN, PY and HERE (the bench/ folder).
# shellcheck shell=bash disable=SC2034

TARGETS=(direct pgbouncer pgpool pgsteer split)
declare -A PORT=([direct]=$BASE_PORT [pgbouncer]=$((BASE_PORT + 10)) [pgpool]=$((BASE_PORT + 11))
                 [pgsteer]=$((BASE_PORT + 13)) [split]=$((BASE_PORT + 14)))
PGSTEER_WORKERS=${PGSTEER_WORKERS:-1}
PCP_PORT=$((BASE_PORT + 12))
declare -A PID=()    # pooler process (pgpool: the parent of its children)
declare -A SKIP=()   # target -> why it is not measured
declare -A NOTE=()   # target -> how it was set up, for results.md

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# One value through a target as app (SCRAM), or nothing and a non-zero status.
app_query() {
  PGPASSWORD=app PGCONNECT_TIMEOUT=3 timeout 10 "$PG_BIN/psql" -X -At -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "${PORT[$1]}" -U app -d app -c "$2" 2>>"$RUN/$1/check.log"
}

# The last error psql reported in a check log (its other lines only explain).
last_error() {
  grep -E 'FATAL|ERROR|error:' "$1" | tail -n 1
}

# Waits up to 15 s for the target to answer a query as app; on failure, records why.
wait_serving() {
  local target=$1 deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    app_query "$target" "SELECT 1" >/dev/null && return 0
    if [[ -n "${PID[$target]:-}" ]] && ! kill -0 "${PID[$target]}" 2>/dev/null; then
      local rc=0
      wait "${PID[$target]}" || rc=$?
      SKIP[$target]="exited at start with status $rc: $(tail -n 3 "$RUN/$target/$target.log" | tr '\n' ' ')"
      unset "PID[$target]"
      return 1
    fi
    sleep 0.1
  done
  SKIP[$target]="does not answer queries: $(last_error "$RUN/$target/check.log")"
  return 1
}

# Copies a template from bench/conf/ with ${VARS} (only those named) filled in.
render() {
  local template=$1 out=$2; shift 2
  # shellcheck disable=SC2016
  env "$@" envsubst "$(printf '${%s} ' "${@%%=*}")" <"$HERE/conf/$template" >"$out"
}

# PgBouncer's userlist line for app: its SCRAM verifier from pg_authid.
userlist_line() {
  local verifier
  verifier=$("$PG_BIN/psql" -X -At -h 127.0.0.1 -p "$BASE_PORT" -U postgres -d postgres \
    -c "SELECT rolpassword FROM pg_authid WHERE rolname = 'app'")
  printf '"app" "%s"\n' "$verifier"
}

target_dir() {
  mkdir -p "$RUN/$1"
  ((EUID != 0)) || chown postgres: "$RUN/$1"
  echo "$RUN/$1"
}

# PgBouncer refuses to run as root, and pgpool-II had better not: as root, they run as postgres
# (setpriv execs, so the pid started is the pooler's own).
AS_POSTGRES=()
((EUID != 0)) || AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups)

# Starts a pooler in the foreground of a background job, so $! is the pooler itself, in a session
# of its own, as a service runs (systemd, pg_ctl and PgBouncer's -d all start one): with the
# kernel's autogroups, a pooler left in this script's session shares one scheduling group with
# pgbench's threads, which moved either pooler's CPU per transaction by 5-7 % here. (A background
# job of a script is no process group leader, so setsid execs without forking.)
launch() {
  local target=$1; shift
  port_free "${PORT[$target]}" || { SKIP[$target]="port ${PORT[$target]} is taken"; return 1; }
  setsid "$@" >>"$RUN/$target/$target.log" 2>&1 &
  PID[$target]=$!
  wait_serving "$target"
}

start_direct() {
  NOTE[direct]="pgbench straight to the primary (node1, port $BASE_PORT)"
  mkdir -p "$RUN/direct"
  wait_serving direct
}

start_pgbouncer() {
  local dir; dir=$(target_dir pgbouncer)
  userlist_line >"$dir/userlist.txt"
  render pgbouncer.ini "$dir/pgbouncer.ini" DIR="$dir" LISTEN_PORT="${PORT[pgbouncer]}" \
    PRIMARY_PORT="$BASE_PORT" POOL_SIZE="$POOL_SIZE" MAX_CLIENTS="$MAX_CLIENTS"
  NOTE[pgbouncer]="$(/usr/sbin/pgbouncer --version | head -n1), transaction mode, in front of the primary, default_pool_size=$POOL_SIZE, SCRAM verifier in userlist"
  launch pgbouncer "${AS_POSTGRES[@]}" /usr/sbin/pgbouncer "$dir/pgbouncer.ini"
}

start_pgpool() {
  local dir; dir=$(target_dir pgpool)
  render pgpool.conf "$dir/pgpool.conf" DIR="$dir" LISTEN_PORT="${PORT[pgpool]}" PCP_PORT="$PCP_PORT" \
    NODE1_PORT="$BASE_PORT" NODE2_PORT=$((BASE_PORT + 1)) NODE3_PORT=$((BASE_PORT + 2)) \
    CHILDREN="$PGPOOL_CHILDREN"
  # pgpool needs app's clear-text password to speak SCRAM to the nodes.
  echo "app:TEXTapp" >"$dir/pool_passwd"
  : >"$dir/pcp.conf"
  : >"$dir/pool_hba.conf"
  ((EUID != 0)) || chown postgres: "$dir"/*
  NOTE[pgpool]="$(/usr/sbin/pgpool --version 2>&1 | head -n1), streaming-replication mode, load balancing over the 3 nodes (weight 1 each), num_init_children=$PGPOOL_CHILDREN, health and sr checks every 1 s"
  launch pgpool "${AS_POSTGRES[@]}" /usr/sbin/pgpool -n -D -f "$dir/pgpool.conf" -F "$dir/pcp.conf" -a "$dir/pool_hba.conf"
}

# [[node]] tables for pgsteer.toml: node1 alone, or the three nodes with the primary's weight.
pgsteer_nodes() {
  local n weight
  for n in $(seq "$1"); do
    weight=1
    ((n == 1)) && weight=$2
    printf '\n[[node]]\nname = "node%d"\nhost = "127.0.0.1"\nport = %d\nweight = %d\n' \
      "$n" $((BASE_PORT + n - 1)) "$weight"
  done
}

# The ports that answered `SELECT inet_server_port()` through a target, sorted and unique; polls
# up to 5 s for a standby to answer (the monitors need a probe or two to vouch for standbys).
read_ports() {
  local ports="" _
  for _ in $(seq 10); do
    ports=$(for _ in $(seq 10); do app_query "$1" "SELECT inet_server_port()"; done | sort -u | xargs)
    [[ $1 == pgsteer ]] || split_works "$ports" && break
    sleep 0.5
  done
  echo "$ports"
}

# With the primary's weight 0, reads must reach a standby and never the primary.
split_works() {
  [[ " $1 " != *" $BASE_PORT "* && " $1 " =~ \ ($((BASE_PORT + 1))|$((BASE_PORT + 2)))\  ]]
}

# pgsteer as target $1 (pgsteer: node1 alone; split: the three nodes, reads on the standbys),
# serving pgbench's writes, and for split only from the standbys for reads.
launch_pgsteer() {
  local target=$1 dir nodes repmgr ports secret="SCRAM verifier"
  dir=$(target_dir "$target")
  if [[ ! -x "$PGSTEER_BIN" ]]; then
    SKIP[$target]="no binary at $PGSTEER_BIN (build it first)"
    return 1
  fi
  if [[ $PGSTEER_PASSWORD == plain ]]; then
    secret="clear-text password"
    echo '"app" "app"' >"$dir/users.txt"
  else
    userlist_line >"$dir/users.txt"
  fi
  if [[ $target == split ]]; then nodes=$(pgsteer_nodes 3 0) repmgr=true; else nodes=$(pgsteer_nodes 1 1) repmgr=false; fi
  render pgsteer.toml "$dir/pgsteer.toml" DIR="$dir" LISTEN_PORT="${PORT[$target]}" POOL_SIZE="$POOL_SIZE" \
    MAX_CLIENTS="$MAX_CLIENTS" NODES="$nodes" WORKERS="$PGSTEER_WORKERS" REPMGR="$repmgr"
  launch "$target" "$PGSTEER_BIN" -c "$dir/pgsteer.toml" || return 1
  if ! app_query "$target" "UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1" >/dev/null; then
    SKIP[$target]="pgbench's UPDATE fails: $(last_error "$RUN/$target/check.log")"
    stop_target "$target"
    return 1
  fi
  ports=$(read_ports "$target")
  if [[ $target == split ]] && ! split_works "$ports"; then
    SKIP[$target]="reads answered by ports '$ports', not only by standbys: read split not working"
    stop_target "$target"
    return 1
  fi
  # Like for like with PgBouncer: a standby answering here (discovery left on) would spread the load.
  if [[ $target == pgsteer && $ports != "$BASE_PORT" ]]; then
    SKIP[$target]="reads answered by ports '$ports', not only by the primary $BASE_PORT"
    stop_target "$target"
    return 1
  fi
  NOTE[$target]="$("$PGSTEER_BIN" --version 2>&1 | head -n1), transaction mode, $PGSTEER_WORKERS worker(s), pool size $POOL_SIZE, $secret in users.txt, $([[ $target == split ]] && echo "the three nodes with the primary's weight 0" || echo "node1 alone, repmgr discovery off"); reads answered by ports $ports"
}

start_pgsteer() { launch_pgsteer pgsteer; }
start_split() { launch_pgsteer split; }

start_target() {
  "start_$1" || echo "bench: !!! $1 is skipped: ${SKIP[$1]}" >&2
}

# Every descendant of a process, deepest first.
descendants() {
  local child
  for child in $(pgrep -P "$1"); do descendants "$child"; echo "$child"; done
}

# The fast clean stop of each (pgpool: SIGINT; PgBouncer, pgsteer: SIGTERM); a pooler still there
# after 10 s gets SIGKILL, with every process it forked.
stop_target() {
  local pid=${PID[$1]:-} sig=TERM tree
  [[ -n "$pid" ]] || return 0
  [[ $1 == pgpool ]] && sig=INT
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    tree="$(descendants "$pid") $pid"
    # shellcheck disable=SC2086
    kill -KILL $tree 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "PID[$1]"
}

stop_targets() {
  local t
  for t in "${TARGETS[@]}"; do stop_target "$t"; done
}
