#!/bin/bash
# First-start init of the mysql service in docker-compose.yml: loads the lab's
# sql/schema.sql, sql/seed.sql and sql/users.sql, as `./lab up` does, after
# putting the data-centre code and the passwords in place of {{dc}},
# {{sim_password}} and {{cdc_password}}.
#
# The MariaDB image runs it from /docker-entrypoint-initdb.d while its
# temporary, socket-only server is up, only when the data volume is new.
# Everything happens in a subshell so that it behaves the same whether the
# image executes it or (without the x bit) sources it into its entrypoint.
#
# Environment (defaults are what docker-compose.yml provides):
#   DC                    data-centre code, default dc01 (letters, digits, _)
#   BRIDGELAB_SQL_DIR     the repo's sql/ folder, default /bridgelab/sql
#   BRIDGELAB_SECRETS     folder of mysql_sim_password and mysql_cdc_password,
#                         default /run/secrets
#   BRIDGELAB_SQL_CLIENT  command that executes SQL read from stdin; default:
#                         the image's docker_process_sql when sourced, else the
#                         mariadb client as root over the socket (password from
#                         MARIADB_ROOT_PASSWORD, never argv). Tests use `cat`.
(
  set -euo pipefail
  # bash 5.2 would otherwise treat & in a replacement (a password) specially.
  shopt -u patsub_replacement 2>/dev/null || true

  say() { echo "bridgelab-init: $*" >&2; }
  die() {
    say "error: $*"
    exit 1
  }

  dc=${DC:-dc01}
  sql_dir=${BRIDGELAB_SQL_DIR:-/bridgelab/sql}
  secrets=${BRIDGELAB_SECRETS:-/run/secrets}

  [[ $dc =~ ^[A-Za-z0-9_]+$ ]] ||
    die "DC='$dc' is not a data-centre code: use letters, digits and _ (e.g. dc01)"

  # read_secret NAME: the password in $secrets/NAME, as a SQL string body.
  read_secret() {
    local file=$secrets/$1 value
    [ -r "$file" ] ||
      die "cannot read $file: run docker/make-secrets.sh before the first docker compose up"
    value=$(<"$file")
    value=${value%$'\r'}
    [ -n "$value" ] || die "$file is empty: write a password into it or delete it and run docker/make-secrets.sh"
    # SQL string literal escaping: backslash first, then the quote.
    value=${value//\\/\\\\}
    value=${value//\'/\\\'}
    printf '%s' "$value"
  }
  sim_password=$(read_secret mysql_sim_password)
  cdc_password=$(read_secret mysql_cdc_password)

  # render FILE: FILE with the placeholders filled in, on stdout.
  render() {
    local file=$1 text unknown
    [ -r "$file" ] || die "cannot read $file (is sql/ mounted at $sql_dir?)"
    unknown=$(grep -o '{{[^}]*}}' "$file" |
      grep -vx -e '{{dc}}' -e '{{sim_password}}' -e '{{cdc_password}}' | head -n 1) || true
    [ -z "$unknown" ] || die "$file: unknown placeholder $unknown"
    text=$(<"$file")
    text=${text//"{{dc}}"/"$dc"}
    text=${text//"{{sim_password}}"/"$sim_password"}
    text=${text//"{{cdc_password}}"/"$cdc_password"}
    # The lab's users may connect from 127.0.0.1 only; here sim and cdc come
    # from other containers or through the published port, so from anywhere.
    text=${text//"@'127.0.0.1'"/"@'%'"}
    printf '%s\n' "$text"
  }

  if [ -n "${BRIDGELAB_SQL_CLIENT:-}" ]; then
    read -ra client <<<"$BRIDGELAB_SQL_CLIENT"
  elif declare -F docker_process_sql >/dev/null; then
    client=(docker_process_sql --default-character-set=utf8mb4)
  else
    [ -n "${MARIADB_ROOT_PASSWORD:-}" ] || die "MARIADB_ROOT_PASSWORD is not set (is MARIADB_ROOT_PASSWORD_FILE given?)"
    export MYSQL_PWD=$MARIADB_ROOT_PASSWORD
    client=(mariadb --protocol=socket -uroot -hlocalhost --default-character-set=utf8mb4)
  fi

  for name in schema seed users; do
    # Render first, so that a bad file sends nothing at all to the server.
    sql=$(render "$sql_dir/$name.sql")
    say "loading $name.sql (dc=$dc)"
    printf '%s\n' "$sql" | "${client[@]}"
  done
  say "done: database orders with ${dc}_out_of_stock_events, users sim and cdc"
)
