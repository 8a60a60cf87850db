#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL on 127.0.0.1:5433, for the replica test
# (deploy/tests/test_replica.py): `bash deploy/replica.sh` as root on a machine whose
# PostgreSQL trusts local connections (CI's). Idempotent: a replica already running is kept.
set -euo pipefail
PGBIN="/usr/lib/postgresql/$(ls /etc/postgresql)/bin"
HBA="/etc/postgresql/$(ls /etc/postgresql)/main/pg_hba.conf"
DATA=/var/lib/postgresql/replica-5433

if pg_isready --quiet --host 127.0.0.1 --port 5433; then
    exit 0
fi
if ! grep -q "^host replication all 127.0.0.1/32 trust" "$HBA"; then
    echo "host replication all 127.0.0.1/32 trust" >> "$HBA"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main reload
fi
rm -rf "$DATA"
su postgres -c "$PGBIN/pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D $DATA -R -X stream -c fast"
# Debian keeps the server's configuration outside its data folder: the copy gets its own.
su postgres -c "touch $DATA/postgresql.conf $DATA/pg_ident.conf"
su postgres -c "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > $DATA/pg_hba.conf"
su postgres -c "$PGBIN/pg_ctl -D $DATA -l $DATA.log -w start -o '-p 5433 -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c hot_standby=on'"
for _ in $(seq 30); do
    pg_isready --quiet --host 127.0.0.1 --port 5433 && exit 0
    sleep 1
done
echo "the replica did not start; see $DATA.log" >&2
exit 1
