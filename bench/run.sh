#!/usr/bin/env bash
# `make bench`: one interleaved pgbench run against the primary directly, PgBouncer, pgpool-II and
# pgsteer on a fresh local cluster, then connection-scale runs; see docs/benchmarks.md.
set -Eeuo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")

QUICK=${QUICK:-0}
export PGSTEER_BASE_PORT=${PGSTEER_BASE_PORT:-26432}
export PGSTEER_SCALE=${PGSTEER_SCALE:-10}
BASE_PORT=$PGSTEER_BASE_PORT
ROUNDS=${ROUNDS:-3}
# Select-only at 16 clients is where the PgBouncer targets are judged: pairs of runs there differ
# by ±5 % on a shared 2-core machine, so its median is taken over more rounds.
REF_ROUNDS=${REF_ROUNDS:-9}
if [[ $QUICK == 1 ]]; then
  DURATION=${DURATION:-3}
  WORKLOADS=${WORKLOADS:-select prepared tpcb connect}
  CLIENTS=${CLIENTS:-1 16}
  IDLE_CLIENTS=${IDLE_CLIENTS:-1000}
  SHARE_CLIENTS=${SHARE_CLIENTS:-1000}
else
  DURATION=${DURATION:-10}
  WORKLOADS=${WORKLOADS:-select extended prepared tpcb simple-update connect}
  CLIENTS=${CLIENTS:-1 16 64 256}
  IDLE_CLIENTS=${IDLE_CLIENTS:-1000 10000}
  SHARE_CLIENTS=${SHARE_CLIENTS:-10000}
fi
POOL_SIZE=${POOL_SIZE:-20}              # server connections per pool, PgBouncer and pgsteer alike
PGPOOL_CHILDREN=${PGPOOL_CHILDREN:-64}  # pgpool-II's num_init_children: its cap on clients
MAX_CONNECTIONS=${MAX_CONNECTIONS:-500} # per node: 256 direct clients + every pooler's pool
MAX_CLIENTS=11000                       # the poolers' client limit, above the 10,000-client runs
PGSTEER_PASSWORD=${PGSTEER_PASSWORD:-verifier}  # what pgsteer's users.txt holds for app: verifier|plain
PGSTEER_BIN=$(cd "$TOP" && realpath -m "${PGSTEER_BIN:-build/app/pgsteer}")
MICROBENCH=${PGSTEER_MICROBENCH:-$(dirname "$(dirname "$PGSTEER_BIN")")/bench/pgsteer_microbench}
PG_BIN=/usr/lib/postgresql/15/bin
PY=${PYTHON:-/usr/bin/python3}          # Debian's, whatever python3 comes first on PATH
CLUSTER=$TOP/tests/cluster/cluster.sh

declare -A WORKLOAD_ARGS=(
  [select]="-S" [extended]="-S -M extended" [prepared]="-S -M prepared" [tpcb]=""
  [simple-update]="-N" [connect]="-S -C")

RUN=$HERE/run/$(date +%Y%m%d-%H%M%S)
RESULTS=$RUN/results
export PGSTEER_CLUSTER_DIR=$RUN/cluster
mkdir -p "$RESULTS"
chmod 755 "$RUN"
RAW=$RUN/raw.csv
SCALE=$RUN/scale.jsonl

# shellcheck source=lib/targets.sh
source "$HERE/lib/targets.sh"

log() { echo "bench: $*" >&2; }

cleanup() {
  trap - EXIT INT TERM
  log "stopping the poolers and the cluster"
  stop_targets
  "$CLUSTER" stop >/dev/null 2>&1 || true
  # The nodes' data is large and of no use afterwards; their logs stay.
  rm -rf "$PGSTEER_CLUSTER_DIR"/node[123]
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 10,000 idle clients need 10,000 descriptors in the pooler and in the client process.
ulimit -n "$(ulimit -Hn)"

start_cluster() {
  log "starting the cluster (scale $PGSTEER_SCALE, ports $BASE_PORT-$((BASE_PORT + 2)), dir $PGSTEER_CLUSTER_DIR)"
  "$CLUSTER" start >"$RUN/cluster-start.log" 2>&1 || { cat "$RUN/cluster-start.log" >&2; exit 1; }
  # 256 direct clients plus every pooler's server connections exceed the harness's 200. A standby
  # needs at least its primary's max_connections, so the standbys restart first.
  local n
  for n in 3 2 1; do
    "$CLUSTER" set "$n" max_connections "$MAX_CONNECTIONS"
    "$CLUSTER" stop-node "$n"
    "$CLUSTER" start-node "$n"
  done
  "$CLUSTER" psql 1 -q -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
  "$CLUSTER" wait-replay
}

write_meta() {
  local t
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
    echo "kernel: $(uname -sr), TCP congestion control $(cat /proc/sys/net/ipv4/tcp_congestion_control) (pgsteer sets its server.loopback_tcp_congestion on loopback connections, reno by default), autogroups $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo -)"
    echo "postgres: $("$PG_BIN/postgres" --version)"
    echo "pgbench: $("$PG_BIN/pgbench" --version)"
    echo "pgbouncer: $(/usr/sbin/pgbouncer --version | head -n1)"
    echo "pgpool: $(/usr/sbin/pgpool --version 2>&1 | head -n1)"
    echo "pgsteer: $(timeout 5 "$PGSTEER_BIN" --version 2>&1 | head -n1 | grep . || echo "no version from $PGSTEER_BIN")"
    echo "settings: QUICK=$QUICK ROUNDS=$ROUNDS (select -c 16: $REF_ROUNDS) DURATION=${DURATION}s scale=$PGSTEER_SCALE pgbench -j 2 -n, pool size $POOL_SIZE, max_connections $MAX_CONNECTIONS, fd limit $(ulimit -n)"
    for t in "${TARGETS[@]}"; do
      echo "setup $t: ${NOTE[$t]:-}${SKIP[$t]:+ — SKIPPED: ${SKIP[$t]}}"
    done
  } >"$RUN/meta.txt"
}

# Why a target cannot run a workload at a client count, or nothing.
cannot_run() {
  local target=$1 clients=$2
  if [[ -n "${SKIP[$target]:-}" ]]; then
    echo "${SKIP[$target]}"
  elif [[ $target == pgpool ]] && ((clients > PGPOOL_CHILDREN)); then
    echo "pgpool-II serves at most num_init_children=$PGPOOL_CHILDREN clients; the others would wait forever"
  fi
}

# The pooler's CPU seconds so far (pgpool: with all its children), or nothing for direct.
pooler_cpu() {
  [[ -n "${PID[$1]:-}" ]] || return 0
  "$PY" "$HERE/lib/proc.py" cpu "${PID[$1]}" 2>/dev/null || true
}

run_pgbench() {
  local target=$1 workload=$2 clients=$3 round=$4
  local dir=$RUN/pgbench/$workload-c$clients/$target-r$round rc=0 cpu0 cpu1
  mkdir -p "$dir"
  cpu0=$(pooler_cpu "$target")
  # shellcheck disable=SC2086
  PGPASSWORD=app timeout -k 5 $((DURATION * 3 + 60)) "$PG_BIN/pgbench" -h 127.0.0.1 \
    -p "${PORT[$target]}" -U app -n -T "$DURATION" -c "$clients" -j $((clients < 2 ? clients : 2)) \
    --log --log-prefix="$dir/txn" ${WORKLOAD_ARGS[$workload]} app >"$dir/pgbench.txt" 2>&1 || rc=$?
  cpu1=$(pooler_cpu "$target")
  printf 'bench:   %-9s ' "$target" >&2
  "$PY" "$HERE/lib/pgbench_result.py" --csv "$RAW" --target "$target" --workload "$workload" \
    --clients "$clients" --round "$round" --output "$dir/pgbench.txt" --log-prefix "$dir/txn" \
    --rc "$rc" ${cpu0:+--cpu-before "$cpu0"} ${cpu1:+--cpu-after "$cpu1"} >&2
  if [[ -n "${PID[$target]:-}" ]] && ! kill -0 "${PID[$target]}" 2>/dev/null; then
    SKIP[$target]="exited during $workload -c $clients round $round"
    unset "PID[$target]"
    log "!!! $target ${SKIP[$target]}; it is skipped from here on"
  fi
}

# For each workload and client count, ROUNDS rounds (REF_ROUNDS at the reference cell) over the
# targets, each round starting one target further on, so that drift of the shared machine falls
# on every target alike.
run_matrix() {
  local workload clients rounds round i t reason
  local n=${#TARGETS[@]}
  for workload in $WORKLOADS; do
    [[ -v "WORKLOAD_ARGS[$workload]" ]] || { log "unknown workload '$workload'"; exit 2; }
    for clients in $CLIENTS; do
      rounds=$ROUNDS
      if [[ $workload == select && $clients == 16 ]] && ((REF_ROUNDS > ROUNDS)); then rounds=$REF_ROUNDS; fi
      log "== $workload (pgbench -n ${WORKLOAD_ARGS[$workload]} -c $clients), $rounds rounds of ${DURATION}s"
      for round in $(seq "$rounds"); do
        for i in $(seq 0 $((n - 1))); do
          t=${TARGETS[$(((i + round - 1) % n))]}
          reason=$(cannot_run "$t" "$clients")
          if [[ -z "$reason" ]]; then
            run_pgbench "$t" "$workload" "$clients" "$round"
          elif ((round == 1)); then
            "$PY" "$HERE/lib/pgbench_result.py" --csv "$RAW" --target "$t" --workload "$workload" \
              --clients "$clients" --round - --skipped "$reason" >/dev/null
          fi
        done
      done
    done
  done
}

# RSS per idle client (on a freshly started pooler each time, so that earlier runs' buffers do
# not hide the cost), then SHARE_CLIENTS clients at once over the pool.
run_scale() {
  local t n limit
  limit=$(($(ulimit -n) - 200))
  for t in pgbouncer pgsteer; do
    for n in $IDLE_CLIENTS; do
      if ((n > limit)); then log "!!! $n idle clients need more than the fd limit $(ulimit -n)"; continue; fi
      stop_target "$t"
      start_target "$t" || true
      [[ -n "${PID[$t]:-}" ]] || { log "!!! $t is skipped for $n idle clients: ${SKIP[$t]}"; continue; }
      log "== $t: RSS for $n idle clients"
      scale_client idle "$t" "$n" --pid "${PID[$t]}"
    done
    for n in $SHARE_CLIENTS; do
      if ((n > limit)) || [[ -z "${PID[$t]:-}" ]]; then continue; fi
      log "== $t: $n clients x 5 queries over $POOL_SIZE server connections"
      scale_client share "$t" "$n" --scale "$PGSTEER_SCALE"
    done
  done
}

scale_client() {
  local mode=$1 t=$2 n=$3; shift 3
  timeout -k 5 600 "$PY" "$HERE/lib/conn_scale.py" "$mode" --target "$t" --port "${PORT[$t]}" \
    --clients "$n" "$@" 2>>"$RUN/scale.log" | tee -a "$SCALE" >&2 \
    || log "!!! $t $mode $n failed: $(tail -n 1 "$RUN/scale.log")"
}

run_microbench() {
  if [[ -x "$MICROBENCH" ]]; then
    log "== microbenchmark ($MICROBENCH)"
    timeout 600 "$MICROBENCH" >"$RESULTS/microbench.txt" 2>&1 || log "!!! the microbenchmark failed"
  else
    log "no microbenchmark binary at $MICROBENCH"
  fi
}

report() {
  "$PY" "$HERE/lib/report.py" --raw "$RAW" --scale "$SCALE" --meta "$RUN/meta.txt" \
    --microbench "$RESULTS/microbench.txt" --out "$RESULTS"
  gnuplot -e "data='$RESULTS/chart.dat'; out='$RESULTS/chart.png'" "$HERE/lib/chart.gp"
  cp "$RAW" "$RESULTS/raw.csv"
  [[ ! -f "$SCALE" ]] || cp "$SCALE" "$RESULTS/scale.jsonl"
  if [[ $QUICK != 1 ]]; then
    rm -rf "$HERE/results/latest"
    mkdir -p "$HERE/results"
    cp -r "$RESULTS" "$HERE/results/latest"
    log "results in bench/results/latest/ (and $RESULTS)"
  else
    log "QUICK run: results in $RESULTS (bench/results/latest/ is left alone)"
  fi
}

start_cluster
for t in "${TARGETS[@]}"; do start_target "$t"; done
run_matrix
run_scale
run_microbench
write_meta
report
sed -n '/^## Targets/,/^## Detail/p' "$RESULTS/results.md" | sed '$d'
