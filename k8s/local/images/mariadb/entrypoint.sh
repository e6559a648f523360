#!/bin/bash
# The official MySQL image's first-start contract, for Debian's MariaDB: on an empty data
# directory create it, set the root password and create MYSQL_DATABASE and MYSQL_USER with
# MYSQL_PASSWORD; then run the server with the given arguments.
set -euo pipefail
[[ "${1:-}" == mysqld ]] || exec "$@"
shift
datadir=/var/lib/mysql
for arg in "$@"; do
  [[ "$arg" == --datadir=* ]] && datadir=${arg#--datadir=}
done

if [[ ! -d "$datadir/mysql" ]]; then
  : "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD is required on first start}"
  mkdir -p "$datadir"
  mariadb-install-db --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  socket=/tmp/init.sock
  mariadbd --datadir="$datadir" --skip-networking --socket="$socket" &
  pid=$!
  for _ in $(seq 60); do
    mariadb-admin --socket="$socket" ping --silent 2>/dev/null && break
    sleep 1
  done
  sql() { mariadb --socket="$socket" -uroot "$@"; }
  esc() { printf '%s' "$1" | sed "s/'/''/g"; }
  sql <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$(esc "$MYSQL_ROOT_PASSWORD")';
CREATE USER 'root'@'%' IDENTIFIED BY '$(esc "$MYSQL_ROOT_PASSWORD")';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
  if [[ -n "${MYSQL_DATABASE:-}" ]]; then
    sql -p"$MYSQL_ROOT_PASSWORD" -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`"
    if [[ -n "${MYSQL_USER:-}" ]]; then
      sql -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE USER '$(esc "$MYSQL_USER")'@'%' IDENTIFIED BY '$(esc "${MYSQL_PASSWORD:-}")';
GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$(esc "$MYSQL_USER")'@'%';
SQL
    fi
  fi
  kill "$pid"
  wait "$pid" || true
fi
exec mariadbd --datadir="$datadir" "$@"
