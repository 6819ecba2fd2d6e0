#!/bin/sh
# layers.sh: tests/check-layers.sh holds the layer rule on the real tree, and
# fails, naming the file and line, when a lower layer includes a higher one.
. "$srcdir/tests/cli/lib.sh"

CL="$srcdir/tests/check-layers.sh"
run sh "$CL" "$srcdir/src"
expect_rc 0 "the source tree keeps cli -> ui -> model -> engine -> util"

# A copy of the tree to break in each way the rule forbids.
cp -R "$srcdir/src" "$T/src"
printf '#include "ui/tui.h"\n' >>"$T/src/engine/set/catalog.c"
line=$(wc -l <"$T/src/engine/set/catalog.c")
run sh "$CL" "$T/src"
expect_rc 1 "an engine file that includes a ui header fails"
expect_match "$T/out" "engine/set/catalog.c:$line: includes \"ui/tui.h\"" "the failure names file and line"

cp -R "$srcdir/src" "$T/src2"
printf '#include "cli/cmd.h"\n' >>"$T/src2/model/walk.c"
printf '#include "model/incident.h"\n' >>"$T/src2/util/str.c"
run sh "$CL" "$T/src2"
expect_rc 1 "model -> cli and util -> model fail"
expect_match "$T/out" 'model/walk.c:[0-9]+: includes "cli/cmd.h"' "model including cli is named"
expect_match "$T/out" 'util/str.c:[0-9]+: includes "model/incident.h"' "util including model is named"

cp -R "$srcdir/src" "$T/src3"
mkdir "$T/src3/extra" && printf 'int x;\n' >"$T/src3/extra/x.c"
printf '#include "nowhere/x.h"\n' >>"$T/src3/cli/cmd-rpo.c"
run sh "$CL" "$T/src3"
expect_rc 1 "a file outside the layers, and an include of no layer, fail"
expect_match "$T/out" 'extra/x.c: not in a layer' "a folder that is no layer is named"
expect_match "$T/out" 'cli/cmd-rpo.c:[0-9]+: includes "nowhere/x.h", which is in no layer' "an include of no layer is named"

# Going down and staying in the layer are fine: cli -> engine, engine -> engine.
cp -R "$srcdir/src" "$T/src4"
printf '#include "engine/set/catalog.h"\n' >>"$T/src4/cli/cmd-config.c"
printf '#include "engine/remote/remote.h"\n' >>"$T/src4/engine/stream/segment.c"
run sh "$CL" "$T/src4"
expect_rc 0 "includes that go down or stay within a layer pass"

# The same header twice in one file fails, named at its second line; the real tree has none.
run sh "$CL" "$srcdir/src"
expect_no_match "$T/out" "again" "no file of the real tree includes a header twice"
cp -R "$srcdir/src" "$T/src5"
printf '#include <unistd.h>\n#include "util/str.h"\n#include <unistd.h>\n#include "util/str.h"\n' \
    >>"$T/src5/engine/set/catalog.c"
line=$(wc -l <"$T/src5/engine/set/catalog.c")
run sh "$CL" "$T/src5"
expect_rc 1 "a header included twice fails"
expect_match "$T/out" "engine/set/catalog.c:$((line - 1)): includes <unistd.h> again" \
    "the second <unistd.h> is named with its line"
expect_match "$T/out" "engine/set/catalog.c:$line: includes \"util/str.h\" again" \
    "the second \"util/str.h\" is named with its line"

finish
