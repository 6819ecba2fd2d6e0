#!/bin/sh
# hostile.sh: a catalogue of hostile config archives, each put into a set made by the plan's
# own backup script with the manifest's checksum recomputed, so that verify passes. Each must
# be refused whole: exit non-zero, nothing written outside config_dir, the live config unchanged.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

make_sandbox "$T/s"
H=$D
plan_script "$srcdir/tests/data/patronus-backup.sh" "$T/plan.sh"
bash "$T/plan.sh" >"$T/plan.out" 2>&1 || { fail "the plan's backup script"; cat "$T/plan.out"; finish; exit 1; }
SET=$(ls -t "$BK"/*/patronus-*.db | head -1)
ARC=${SET%.db}-config.tar.gz
MAN=${SET%.db}-manifest.txt
cp "$ARC" "$T/plan-config.tar.gz"
run "$PDR" --config "$C" verify --allow-unsigned "$SET"
expect_rc 0 "the plan's set passes verify --allow-unsigned as made"

mkdir "$T/outside"
echo "outside target" >"$T/outside/target"
P=${CFG#/}
tree_digest "$CFG" >"$T/cfg.before"
ls -a "$D/etc" >"$T/etc.before"

# hostile NAME: write archive $T/arch/NAME.tar.gz with python3's tarfile; the members come from
# the case's lines on stdin: "file NAME [TEXT]", "dir NAME", "sym NAME TARGET", "hard NAME TARGET",
# "chr NAME", "fifo NAME".
mkdir "$T/arch"
PYTAR='
import io, sys, tarfile
out = tarfile.open(sys.argv[1], "w:gz", format=tarfile.GNU_FORMAT)
for line in sys.stdin.read().splitlines():
    kind, name, *rest = line.split(" ", 2)
    ti = tarfile.TarInfo(name)
    ti.mtime = 1700000000
    data = b""
    if kind == "file":
        data = (rest[0] if rest else "evil").encode() + b"\n"
        ti.size = len(data); ti.mode = 0o644
    elif kind == "dir":
        ti.type = tarfile.DIRTYPE; ti.mode = 0o755
    elif kind == "sym":
        ti.type = tarfile.SYMTYPE; ti.linkname = rest[0]
    elif kind == "hard":
        ti.type = tarfile.LNKTYPE; ti.linkname = rest[0]
    elif kind == "chr":
        ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3
    elif kind == "fifo":
        ti.type = tarfile.FIFOTYPE
    out.addfile(ti, io.BytesIO(data) if data else None)
out.close()
'
hostile() {
	python3 -c "$PYTAR" "$T/arch/$1.tar.gz"
	echo "$2" >"$T/arch/$1.why"
}

hostile dotdot 'name with \"\.\.\"' <<E
dir $P/
file $P/config.yaml hostile: true
file $P/../../../../../../../../..$T/outside/evil-dotdot
E
hostile absolute 'absolute name' <<E
dir $P/
file $P/config.yaml hostile: true
file $T/outside/evil-absolute
E
hostile symlink-escape 'symbolic link .* leaves the tree' <<E
dir $P/
sym $P/esc ../../../../outside
file $P/esc/evil-through-escape
E
hostile symlink-absolute 'symbolic link .* leaves the tree' <<E
dir $P/
sym $P/abs $T/outside
file $P/abs/evil-through-absolute
E
hostile symlink-late 'symbolic link .* leaves the tree|written through a symbolic link' <<E
dir $P/
file $P/late/evil-late
sym $P/late ../../../../outside
E
hostile symlink-inside-then-through 'written through a symbolic link' <<E
dir $P/
dir $P/tls/
sym $P/sub tls
file $P/sub/evil-through-inside
E
hostile symlink-dotdot-inside 'symbolic link .* leaves the tree' <<E
dir $P/
dir $P/d/
sym $P/d/up ..
sym $P/evil-link d/up/../../outside
E
hostile hardlink-outside 'hard link' <<E
dir $P/
hard $P/evil-hard ${T#/}/outside/target
E
hostile hardlink-system 'hard link' <<E
dir $P/
hard $P/evil-passwd etc/passwd
E
hostile sibling-prefix 'lies outside' <<E
dir $P/
file $P-evil/evil-sibling
E
hostile parent-dir 'lies outside' <<E
dir $P/
file ${P%/*}/evil-parent
E
hostile device 'device, FIFO or socket' <<E
dir $P/
chr $P/evil-device
E
hostile fifo 'device, FIFO or socket' <<E
dir $P/
fifo $P/evil-fifo
E
hostile prefix-is-file 'is not a folder' <<E
file $P
E
# Broken, not hostile: a truncated archive and bytes that are no archive at all.
head -c 300 "$T/plan-config.tar.gz" >"$T/arch/truncated.tar.gz"
head -c 2000 /dev/urandom >"$T/arch/garbage.tar.gz"

for a in "$T"/arch/*.tar.gz; do
	name=$(basename "$a" .tar.gz)
	cp "$a" "$ARC"
	sum=$(sha256sum "$ARC" | cut -d' ' -f1)
	sed -i "s|^[0-9a-f]\{64\}  \(.*-config\.tar\.gz\)\$|$sum  \1|" "$MAN"
	grep -q "^$sum " "$MAN" || fail "$name: checksum not recomputed"
	run "$PDR" --config "$C" restore config --yes --from "$SET" --allow-unsigned
	if [ "$rc" -ne 0 ]; then ok "$name: refused (exit $rc)"
	else fail "$name: restored (exit 0)"; fi
	[ -f "$T/arch/$name.why" ] && expect_match "$T/err" "$(cat "$T/arch/$name.why")" "$name: refused for the right reason"
	tree_digest "$CFG" >"$T/cfg.after"
	cmp -s "$T/cfg.before" "$T/cfg.after" && ok "$name: live config unchanged" ||
		{ fail "$name: live config changed"; diff "$T/cfg.before" "$T/cfg.after" | head -5; }
	evil=$(find "$T" -name 'evil*' -not -path "$T/arch/*" 2>/dev/null)
	[ -z "$evil" ] && ok "$name: nothing written outside" || fail "$name: wrote $evil"
	[ "$(ls -A "$T/outside")" = target ] && ok "$name: outside folder untouched" ||
		fail "$name: outside folder holds $(ls -A "$T/outside")"
	ls -a "$D/etc" | cmp -s - "$T/etc.before" && ok "$name: no staging or kept folder left" ||
		fail "$name: $(ls -a "$D/etc" | tr '\n' ' ')"
done
# verify runs restore's own whole-archive check: a set that verifies restores, and one
# that restore would refuse fails verify, for the same reason (it used to pass).
for name in dotdot symlink-escape symlink-absolute hardlink-outside device fifo sibling-prefix; do
	cp "$T/arch/$name.tar.gz" "$ARC"
	sum=$(sha256sum "$ARC" | cut -d' ' -f1)
	sed -i "s|^[0-9a-f]\{64\}  \(.*-config\.tar\.gz\)\$|$sum  \1|" "$MAN"
	run "$PDR" --config "$C" verify --allow-unsigned "$SET"
	expect_rc 1 "$name: the doctored set fails verify"
	expect_match "$T/out" "^FAILED +config +.*-config\.tar\.gz: refused: .*($(cat "$T/arch/$name.why"))" \
	    "$name: verify names restore's reason"
done

# Control: the plan's own archive, put back, restores.
cp "$T/plan-config.tar.gz" "$ARC"
sum=$(sha256sum "$ARC" | cut -d' ' -f1)
sed -i "s|^[0-9a-f]\{64\}  \(.*-config\.tar\.gz\)\$|$sum  \1|" "$MAN"
rm "$CFG/config.yaml"
run "$PDR" --config "$C" restore config --yes --from "$SET" --allow-unsigned
expect_rc 0 "the plan's own archive restores"
tree_digest "$CFG" >"$T/cfg.after"
cmp -s "$T/cfg.before" "$T/cfg.after" && ok "the plan's archive brings the same tree back" ||
	{ fail "tree differs after the plan's archive"; diff "$T/cfg.before" "$T/cfg.after" | head -5; }

finish
