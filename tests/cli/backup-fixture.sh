# backup-fixture.sh: a sandbox Patronus host for the backup tests, laid out as
# `patronus-dr demo` lays it out (DIR/dr.yaml with absolute paths into DIR).
# Sourced after lib.sh. make_host DIR [SITES]: create it; $H/dr.yaml is the settings.

make_host() {
	H=$1
	nsites=${2:-12}
	mkdir -p "$H/var/lib/patronus/dr" "$H/etc/patronus/tls" "$H/etc/wireguard" \
		"$H/backup/patronus" "$H/var/log/patronus"
	sqlite3 "$H/var/lib/patronus/sdwan.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
CREATE TABLE sites (id INTEGER PRIMARY KEY, name TEXT NOT NULL, endpoint TEXT);
CREATE TABLE paths (id INTEGER PRIMARY KEY, site_a INTEGER, site_b INTEGER, kind TEXT);
CREATE TABLE path_health (id INTEGER PRIMARY KEY, path_id INTEGER, at INTEGER, latency_ms REAL, loss REAL);
CREATE TABLE policies (id INTEGER PRIMARY KEY, name TEXT, rule TEXT);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, role TEXT);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at INTEGER, who TEXT, what TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $nsites)
INSERT INTO sites SELECT i, 'site-' || i, '198.51.100.' || i || ':51820' FROM n;
INSERT INTO paths (site_a, site_b, kind) SELECT a.id, b.id, 'primary' FROM sites a JOIN sites b ON b.id = a.id + 1;
INSERT INTO paths (site_a, site_b, kind) SELECT a.id, b.id, 'backup' FROM sites a JOIN sites b ON b.id = a.id + 2;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO path_health (path_id, at, latency_ms, loss) SELECT i % 10 + 1, 1700000000 + i * 60, 10 + i % 7, 0 FROM n;
INSERT INTO policies (name, rule) VALUES ('default-failover', 'primary then backup');
INSERT INTO users (name, role) VALUES ('admin', 'admin'), ('noc', 'operator');
INSERT INTO audit_log (at, who, what) VALUES (1700000000, 'admin', 'created');
SQL
	printf 'listen: 0.0.0.0:8081\nlog_level: info\n' >"$H/etc/patronus/config.yaml"
	printf -- '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDemoDemoDemoDemoDemoDemoDemoDemoDemo\n-----END PRIVATE KEY-----\n' >"$H/etc/patronus/tls/server.key"
	printf -- '-----BEGIN CERTIFICATE-----\nMIIBdemo\n-----END CERTIFICATE-----\n' >"$H/etc/patronus/tls/server.crt"
	head -c 32 /dev/urandom | base64 >"$H/etc/patronus/jwt-secret"
	openssl rand -base64 32 >"$H/etc/patronus/backup-encryption-key"
	chmod 600 "$H/etc/patronus/backup-encryption-key" "$H/etc/patronus/tls/server.key" \
		"$H/etc/patronus/jwt-secret"
	wg genkey >"$H/etc/wireguard/privatekey" 2>/dev/null || openssl rand -base64 32 >"$H/etc/wireguard/privatekey"
	openssl rand -base64 32 >"$H/etc/wireguard/publickey"
	printf '[Interface]\nAddress = 10.0.1.1/24\nListenPort = 51820\nPrivateKey = %s\n' \
		"$(cat "$H/etc/wireguard/privatekey")" >"$H/etc/wireguard/wg0.conf"
	chmod 600 "$H/etc/wireguard/privatekey" "$H/etc/wireguard/wg0.conf"
	cat >"$H/dr.yaml" <<YAML
database: $H/var/lib/patronus/sdwan.db
config_dir: $H/etc/patronus
wireguard_dir: $H/etc/wireguard
backup_dir: $H/backup/patronus
encryption_key: $H/etc/patronus/backup-encryption-key
log_file: $H/var/log/patronus/backup.log
state_dir: $H/var/lib/patronus/dr
YAML
}

# plan_script SCRIPT OUT: the plan's script with its root paths moved into $H (paths only).
plan_script() {
	sed -e "s|\"/backup/patronus\"|\"$H/backup/patronus\"|" \
	    -e "s|\"/var/lib/patronus/sdwan.db\"|\"$H/var/lib/patronus/sdwan.db\"|" \
	    -e "s|\"/etc/patronus\"|\"$H/etc/patronus\"|" \
	    -e "s|\"/etc/wireguard\"|\"$H/etc/wireguard\"|" \
	    -e "s|\"/var/log/patronus/backup.log\"|\"$H/var/log/patronus/backup.log\"|" \
	    -e "s|file:/etc/patronus/backup-encryption-key|file:$H/etc/patronus/backup-encryption-key|" \
	    "$1" >"$2"
}

# plan_verify SCRIPT DB: the plan's verify script, as it is. It always writes
# /tmp/checksums.txt, so runs from tests in parallel are serialised with a lock on it.
plan_verify() {
	flock /tmp/checksums.txt bash "$1" "$2"
}
