#!/bin/sh
# restore-owner.sh: restored files are owned like the live tree, whatever owner the archive
# names (as root: nobody's files used to land in /etc/patronus); nothing comes back
# world-writable, set-user-ID or set-group-ID; private keys (*.key, *private*) get 0600.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
CFG="$T/h/etc/patronus"
BD="$T/h/backup/patronus"
run "$PDR" --config "$C" backup --type daily --no-prune
expect_rc 0 "a set to doctor"
set -- "$BD"/daily/patronus-daily-*.db
b=${1%.db}

# An archive whose entries belong to nobody (65534) with modes 0666, 0777, 04755, 0644 keys.
python3 - "$T/cfg.tar.gz" "${CFG#/}" <<'PY'
import io, sys, tarfile
out = tarfile.open(sys.argv[1], "w:gz", format=tarfile.GNU_FORMAT)
def add(name, mode, data=None, kind=tarfile.REGTYPE):
    ti = tarfile.TarInfo(sys.argv[2] + name)
    ti.uid = ti.gid = 65534; ti.uname = "nobody"; ti.gname = "nogroup"; ti.mode = mode
    ti.type = kind
    if data is not None:
        ti.size = len(data); out.addfile(ti, io.BytesIO(data))
    else:
        out.addfile(ti)
add("", 0o777, kind=tarfile.DIRTYPE)
add("/config.yaml", 0o666, b"listen: 0.0.0.0:8081\n")
add("/tls", 0o777, kind=tarfile.DIRTYPE)
add("/tls/server.key", 0o644, b"-----BEGIN PRIVATE KEY-----\n")
add("/wg-private.pem", 0o664, b"x\n")
add("/helper.sh", 0o4755, b"#!/bin/sh\n")
out.close()
PY
cp "$T/cfg.tar.gz" "$b-config.tar.gz"
sum=$(sha256sum "$b-config.tar.gz" | cut -d' ' -f1)
sed -i -e '/^HMAC-SHA256:/d' -e "s|^[0-9a-f]\{64\}  \(.*-config\.tar\.gz\)\$|$sum  \1|" "$b-manifest.txt"
if [ "$(id -u)" = 0 ]; then
	chown -R 1234:1234 "$CFG"
	owner=1234:1234
else
	owner=$(id -u):$(id -g)
fi
run "$PDR" --config "$C" restore config --yes --from "$b.db" --allow-unsigned
expect_rc 0 "restore config from an archive of nobody's world-writable files"
bad=$(find "$CFG" ! -user "${owner%:*}" -o ! -group "${owner#*:}")
[ -z "$bad" ] && ok "every restored path is owned $owner, like the live tree" || fail "owned otherwise: $bad"
ww=$(find "$CFG" -perm -0002 ! -type l)
[ -z "$ww" ] && ok "nothing restored is world-writable" || fail "world-writable: $ww"
su=$(find "$CFG" -perm /6000)
[ -z "$su" ] && ok "nothing restored is set-user-ID or set-group-ID" || fail "set-ID: $su"
[ "$(stat -c %a "$CFG/tls/server.key")" = 600 ] && ok "a *.key file is 0600" || fail "server.key: $(stat -c %a "$CFG/tls/server.key")"
[ "$(stat -c %a "$CFG/wg-private.pem")" = 600 ] && ok "a *private* file is 0600" || fail "wg-private.pem: $(stat -c %a "$CFG/wg-private.pem")"
[ "$(stat -c %a "$CFG/config.yaml")" = 664 ] && ok "config.yaml keeps its mode but for world-write (664)" ||
	fail "config.yaml: $(stat -c %a "$CFG/config.yaml")"
[ "$(stat -c %a "$CFG")" = 775 ] && ok "the folder itself is not world-writable (775)" || fail "folder: $(stat -c %a "$CFG")"

finish
