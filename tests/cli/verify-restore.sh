#!/bin/sh
# verify-restore.sh: "verifies" means "restores". backup stores an absolute symbolic link that
# points inside the config tree as a relative one, leaves out (with a note) links that leave
# the tree and FIFOs; verify and backup run restore's own whole-archive check on every
# archive; restore without --from falls back from a newest set it would refuse to the next
# older good one and says why; duplicate entries and oversized members are refused.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
CFG="$T/h/etc/patronus"
BD="$T/h/backup/patronus"
t=1767225600

ln -s "$CFG/tls/server.crt" "$CFG/current.crt"		# absolute, inside the tree
ln -s "$CFG/tls/../tls" "$CFG/tls-dir"			# absolute, inside, with ".."
ln -s tls/server.key "$CFG/current.key"			# relative, inside
ln -s /etc/hostname "$CFG/hostname-link"		# absolute, outside
ln -s ../../../../../../../../etc "$CFG/up-link"	# relative, outside
mkfifo "$CFG/control.fifo"
PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" backup --type daily --no-prune
expect_rc 0 "backup of a config tree with links and a FIFO"
expect_match "$T/err" "current\.crt -> $CFG/tls/server\.crt is stored as -> tls/server\.crt" \
	"the absolute link inside the tree is stored relative, and said"
expect_match "$T/err" "tls-dir -> .* is stored as -> tls" "a link with .. inside the tree is stored relative"
expect_match "$T/err" "hostname-link -> /etc/hostname leaves .*: left out" "a link out of the tree is noted and left out"
expect_match "$T/err" "up-link -> .* leaves .*: left out" "a relative link out of the tree is noted and left out"
expect_match "$T/err" "control\.fifo is a FIFO, socket or device: left out" "the FIFO is noted and left out"
set1="$BD/daily/patronus-daily-20260101-000000"
tar tvzf "$set1-config.tar.gz" >"$T/list"
expect_match "$T/list" 'current\.crt -> tls/server\.crt$' "tar shows the relative link"
expect_no_match "$T/list" 'hostname-link|up-link|control\.fifo' "nothing restore would refuse is in the archive"
run "$PDR" --config "$C" verify "$set1.db"
expect_rc 0 "the set verifies"
expect_match "$T/out" "^ok +config .*entries, each one as restore accepts it into $CFG" "verify ran restore's check on the config archive"
expect_match "$T/out" "^ok +wireguard .*decrypted, read to the end, .*as restore accepts it" "and on the WireGuard archive"
cp "$CFG/tls/server.crt" "$T/crt.good"
rm "$CFG/current.crt" "$CFG/config.yaml"
run "$PDR" --config "$C" restore config --yes
expect_rc 0 "the set that verifies restores"
[ "$(readlink "$CFG/current.crt")" = tls/server.crt ] && ok "current.crt is back as a relative link" ||
	fail "current.crt: $(readlink "$CFG/current.crt")"
cmp -s "$CFG/current.crt" "$T/crt.good" && ok "and points at the certificate" || fail "current.crt does not resolve"
[ "$(readlink "$CFG/current.key")" = tls/server.key ] && ok "the relative link is kept as it was" || fail "current.key"

# A newer set that restore would refuse (taken of another config_dir, so its entries lie
# outside this one): verify here fails it, and restore falls back to the older set, saying why.
mkdir -p "$T/other/etc"
cp -a "$CFG" "$T/other/etc/patronus"
sed "s|^config_dir: .*|config_dir: $T/other/etc/patronus|" "$C" >"$T/other.yaml"
PATRONUS_DR_NOW="@$((t + 3600))" run "$PDR" --config "$T/other.yaml" backup --type hourly --no-prune
expect_rc 0 "a newer set of another config_dir"
set2="$BD/hourly/patronus-hourly-20260101-010000"
run "$PDR" --config "$C" verify "$set2.db"
expect_rc 1 "here it fails verify: restore would refuse its config archive"
expect_match "$T/out" '^FAILED +config .*refused: .*lies outside' "verify says why, as restore would"
echo changed >"$CFG/config.yaml"
run "$PDR" --config "$C" restore config --yes
expect_rc 0 "restore config falls back to the older set"
expect_match "$T/err" "skipping patronus-hourly-20260101-010000: .*refused" "the newest set is skipped, with restore's reason"
expect_match "$T/out" "restoring from patronus-daily-20260101-000000 \(newer sets skipped" "the older set is restored"
expect_match "$CFG/config.yaml" '^listen:' "config.yaml is the older set's"

# Archives restore refuses outright, now caught by verify too: a name twice (the last one
# would win) and a member larger than any configuration (a sparse 10 GiB file).
python3 - "$T/dup.tar.gz" "${CFG#/}" <<'PY'
import io, sys, tarfile
out = tarfile.open(sys.argv[1], "w:gz", format=tarfile.GNU_FORMAT)
for name, data in (("", None), ("/config.yaml", b"good: 1\n"), ("/config.yaml", b"evil: 1\n")):
    ti = tarfile.TarInfo(sys.argv[2] + name)
    if data is None:
        ti.type = tarfile.DIRTYPE; ti.mode = 0o755
        out.addfile(ti)
    else:
        ti.size = len(data); out.addfile(ti, io.BytesIO(data))
out.close()
PY
truncate -s 10G "$T/sparse"
(cd / && tar --sparse -czf "$T/sparse.tar.gz" --transform "s|^${T#/}/sparse|${CFG#/}/big|" "${T#/}/sparse")
rm -f "$T/sparse"
for a in dup sparse; do
	mkdir -p "$T/$a" && cp "$set1".db "$set1"-* "$T/$a/"
	b="$T/$a/patronus-daily-20260101-000000"
	cp "$T/$a.tar.gz" "$b-config.tar.gz"
	sum=$(sha256sum "$b-config.tar.gz" | cut -d' ' -f1)
	sed -i -e "/^HMAC-SHA256:/d" -e "s|^[0-9a-f]\{64\}  \(.*-config\.tar\.gz\)\$|$sum  \1|" "$b-manifest.txt"
	run "$PDR" --config "$C" verify --allow-unsigned "$b.db"
	expect_rc 1 "$a: verify fails the archive"
	case $a in
	dup) expect_match "$T/out" 'refused: .*config\.yaml" appears twice' "dup: names the entry that appears twice" ;;
	sparse) expect_match "$T/out" 'refused: more than [0-9]+ bytes' "sparse: says the member is too large" ;;
	esac
	cp "$CFG/config.yaml" "$T/cfg.before"
	run "$PDR" --config "$C" restore config --yes --from "$b.db" --allow-unsigned
	[ "$rc" != 0 ] && ok "$a: restore refuses it (exit $rc)" || fail "$a: restored"
	cmp -s "$CFG/config.yaml" "$T/cfg.before" && ok "$a: live config unchanged" || fail "$a: live config changed"
done

finish
