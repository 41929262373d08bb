#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite, installing
# Debian's package and starting its cluster when nothing does. The suite connects as
# `postgres` without a password, so loopback connections from that user are trusted: this is
# for a test machine only.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

answers() { command -v pg_isready >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q; }

if ! answers; then
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    pg_createcluster "$version" main >/dev/null
  fi
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"  # the first matching rule wins
  fi
  pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main reload
  for _ in $(seq 1 30); do
    answers && break
    sleep 1
  done
fi
if ! answers; then
  echo "PostgreSQL did not start on 127.0.0.1:5432; see /var/log/postgresql/." >&2
  exit 1
fi
# The suite's administrative connection names the database `test`.
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test'
fi
