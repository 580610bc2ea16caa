#!/usr/bin/env bash
# Installs every Debian package pgsteer's build, tests, demo and benchmarks need; does nothing
# (quickly) when they are all present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev libssl-dev libfmt-dev libtomlplusplus-dev libboost-test-dev libpq-dev
  postgresql-15 postgresql-15-repmgr postgresql-contrib postgresql-client-15
  pgbouncer pgpool2
  python3 python3-psycopg2 python3-asyncpg
  clang-14 libclang-rt-14-dev
  gnuplot-nox openssl procps iproute2 curl
  prometheus   # promtool: the metrics tests check the exposition format with it
)

# dpkg-query names only the packages it knows; anything it does not list as installed is missing.
installed=" $({ dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true; } \
               | awk '$4 == "installed" {printf "%s ", $1}') "
missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ "$installed" == *" $pkg "* ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [[ $EUID -ne 0 ]]; then SUDO=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Debian's postgresql-common creates and, under systemd, starts a cluster on 5432. pgsteer's
# tests use their own ports, but a stray server only wastes the machine: stop it if it runs.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q ' online'; then
  pg_lsclusters -h | awk '$4 == "online" {print $1, $2}' | while read -r ver name; do
    "${SUDO[@]}" pg_ctlcluster "$ver" "$name" stop || true
  done
fi
echo "install-deps: done"
