#!/bin/sh
# Creates the Docker secrets docker-compose.yml reads: one random password per
# file in docker/secrets/ (or in DIR, or in $BRIDGELAB_SECRETS_DIR). A file
# that exists is kept, so running it again is safe and your own choices stay.
#
#   docker/make-secrets.sh [DIR]
#
# The folder is made mode 700 and the files 644: compose bind-mounts each file
# into the containers as it is, and the processes that read them (MariaDB's
# init as user mysql, the sim as user sim) have other uids than yours.
set -eu

dir=${1:-${BRIDGELAB_SECRETS_DIR:-$(dirname "$0")/secrets}}

mkdir -p "$dir"
chmod 700 "$dir"

for name in mysql_root_password mysql_sim_password mysql_cdc_password; do
  file=$dir/$name
  if [ -s "$file" ]; then
    echo "make-secrets: keeping $file"
    continue
  fi
  # 32 letters and digits: nothing that needs quoting in SQL, shell or YAML.
  password=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
  if [ ${#password} -ne 32 ]; then
    echo "make-secrets: could not read random bytes from /dev/urandom" >&2
    exit 1
  fi
  (umask 077 && printf '%s' "$password" >"$file.tmp")
  chmod 644 "$file.tmp"
  mv "$file.tmp" "$file"
  echo "make-secrets: wrote $file"
done
