#!/bin/sh
# Creates the Docker secrets docker-compose.yml reads, one file each in
# docker/secrets/ (or in DIR, or in $BRIDGELAB_SECRETS_DIR): a random password
# for MariaDB's root, sim and cdc users, and Azurite's account key. A file
# that exists is kept, so running it again is safe and your own choices stay.
#
#   docker/make-secrets.sh [DIR]
#
# The folder is made mode 700 and the files 644: compose bind-mounts each file
# into the containers as it is, and the processes that read them (MariaDB's
# init as user mysql, the sim, the bridge and the dashboard as users of their
# own) have other uids than yours.
set -eu

dir=${1:-${BRIDGELAB_SECRETS_DIR:-$(dirname "$0")/secrets}}

# Azurite's account devstoreaccount1 accepts only its well-known development
# key: public, documented by Microsoft, the same on every Azurite, and the
# value ./lab writes into run/secrets/azurite.key (AZURITE_KEY in ./lab). The
# sink and the dashboard sign their requests with it; it is a secret file all
# the same, so that pointing them at a real account changes only this file.
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

mkdir -p "$dir"
chmod 700 "$dir"

# random_password: 32 letters and digits, nothing that needs quoting in SQL,
# shell or YAML.
random_password() {
  password=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
  if [ ${#password} -ne 32 ]; then
    echo "make-secrets: could not read random bytes from /dev/urandom" >&2
    return 1
  fi
  printf '%s' "$password"
}

azurite_key() { printf '%s' "$AZURITE_KEY"; }

# write_secret NAME COMMAND: what COMMAND prints (no newline) into $dir/NAME,
# unless that file exists.
write_secret() {
  file=$dir/$1
  shift
  if [ -s "$file" ]; then
    echo "make-secrets: keeping $file"
    return 0
  fi
  value=$("$@") || exit 1
  (umask 077 && printf '%s' "$value" >"$file.tmp")
  chmod 644 "$file.tmp"
  mv "$file.tmp" "$file"
  echo "make-secrets: wrote $file"
}

for name in mysql_root_password mysql_sim_password mysql_cdc_password; do
  write_secret "$name" random_password
done
write_secret azurite_key azurite_key
