# restore-fixture.sh: a demo sandbox with one backup set, for the restore tests.
# Sourced after lib.sh. make_sandbox DIR: sets $D (the sandbox), $C (its dr.yaml), $DB,
# $CFG (config_dir), $WG (wireguard_dir), $BK (backup_dir).

make_sandbox() {
	D=$1
	"$PDR" demo --dir "$D" --no-tui >/dev/null 2>&1 || { fail "demo --dir $D"; finish; exit 1; }
	C="$D/dr.yaml"
	DB="$D/var/lib/patronus/sdwan.db"
	CFG="$D/etc/patronus"
	WG="$D/etc/wireguard"
	BK="$D/backup/patronus"
}

# take_backup: one backup set of the sandbox; its .db path in $SET.
take_backup() {
	"$PDR" --config "$C" backup --no-prune >/dev/null 2>&1 || { fail "backup of the sandbox"; finish; exit 1; }
	SET=$(ls -t "$BK"/*/patronus-*.db | head -1)
}

# tree_digest DIR: one line per path (type, mode, link target) and the SHA-256 of each file.
tree_digest() {
	(cd "$1" 2>/dev/null && find . -printf '%y %m %p %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) || echo "absent"
}

# counts DB: the row count of every table of the sandbox schema.
counts() {
	sqlite3 "$1" "SELECT (SELECT count(*) FROM sites) || ' ' || (SELECT count(*) FROM paths)
	    || ' ' || (SELECT count(*) FROM path_health) || ' ' || (SELECT count(*) FROM audit_log)" 2>&1
}

# same DESC A B: two strings are equal and not empty.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1"; else fail "$1: '$2' != '$3'"; fi
}
