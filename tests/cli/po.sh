#!/bin/sh
# po.sh: po/de.po is complete: no untranslated or fuzzy entry, msgfmt -c passes (format
# specifiers match), and it has a translation for every string of the sources as they are.
. "$srcdir/tests/cli/lib.sh"

command -v msgattrib >/dev/null 2>&1 || { echo "# SKIP gettext tools are not installed"; exit 77; }
PO="$srcdir/po/de.po"
run msgfmt -c -o /dev/null "$PO"
expect_rc 0 "msgfmt -c po/de.po (format specifiers, header)"
msgattrib --untranslated --no-obsolete "$PO" >"$T/untr"
[ ! -s "$T/untr" ] && ok "no untranslated entry" ||
    { fail "untranslated entries: $(grep -c '^msgid' "$T/untr")"; grep '^msgid' "$T/untr" | head; }
msgattrib --only-fuzzy --no-obsolete "$PO" >"$T/fuzzy"
[ ! -s "$T/fuzzy" ] && ok "no fuzzy entry" ||
    { fail "fuzzy entries: $(grep -c '^msgid' "$T/fuzzy")"; grep '^msgid' "$T/fuzzy" | head; }
# The template from the sources, as the maintainer makes it; msgcmp: every msgid translated.
(cd "$srcdir" && xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 \
    --add-comments=TRANSLATORS: -o "$T/pdr.pot" $(grep -v '^#' po/POTFILES.in))
# Translations a branch left for the lead to merge (po/de-*.pending.po) count as there.
set -- "$srcdir"/po/de-*.pending.po
if [ -f "$1" ]; then
	for f in "$@"; do
		run msgfmt -c -o /dev/null "$f"
		expect_rc 0 "msgfmt -c ${f##*/}"
	done
	msgcat --use-first -o "$T/all.po" "$PO" "$@"
else
	cp "$PO" "$T/all.po"
fi
run msgcmp "$T/all.po" "$T/pdr.pot"
expect_rc 0 "po/de.po has every string of the sources (msgcmp)"
# German punctuation: no plain ASCII double quotes around %s where the English has them.
if grep -q '^msgstr ".*[^\\]\\"%s\\"' "$PO"; then
	fail "ASCII quotes in German msgstr:"; grep -n '^msgstr ".*\\"%s\\"' "$PO" | head -5
else
	ok "German quotes („…“) in messages"
fi

finish
