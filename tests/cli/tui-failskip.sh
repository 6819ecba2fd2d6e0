#!/bin/sh
# tui-failskip.sh: a failure stays a failure on the screen after the step is skipped or marked
# done, as the record and the report have it (#15): the step pane says "failed (exit 3), then
# skipped: REASON" and the step list marks it failed, not skipped, in tmux at 80x24.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

mkdir -p "$T/state" "$T/rb"
cat >"$T/dr.yaml" <<YAML
state_dir: $T/state
backup_dir: $T/backup
runbook_dirs: [$T/rb]
YAML
cat >"$T/rb/fs.yaml" <<'YAML'
id: fail-skip
title: Fail then skip
rto: 10m
roles: [Operations Team]
steps:
  - id: boom
    title: A command that fails
    role: Operations Team
    run: "echo boom; exit 3"
  - id: after
    title: The step after it
    role: Operations Team
    checklist: [Looked]
  - id: forced
    title: Failed then marked done
    role: Operations Team
    run: "exit 4"
YAML
S=fs
tui_start $S 80 24 "$PDR" --config "$T/dr.yaml" run fail-skip
tui_wait $S 'Step 1/3: A command that fails' "the TUI opens on the failing step"
tui_keys $S x
tui_wait $S 'Result: exit 3' "the command fails (exit 3)"
tui_keys $S s
tui_wait $S 'Enter text' "s asks for a reason"
tui_type $S "moving on"
tui_keys $S Enter
tui_wait $S 'Step 2/3: The step after it' "the skip moves on"
tui_has $S '^(✗|!) +1 A command that fails' "the list marks the skipped step failed"
# back to step 1: its state in the record's words
tui_keys $S Tab
tui_wait $S 'Enter select' "Tab: the step list"
tui_keys $S Up Enter
tui_wait $S 'Step 1/3: A command that fails' "step 1 open again"
tui_joined $S >"$T/screen"
expect_match "$T/screen" 'State: failed \(exit 3\), then skipped: moving on' \
    "the step pane: failed (exit 3), then skipped: moving on"
# a failure marked done anyway: said so, not "done"
tui_keys $S Tab
tui_keys $S Down Down Enter
tui_wait $S 'Step 3/3: Failed then marked done' "step 3"
tui_keys $S Escape
tui_keys $S x
tui_wait $S 'Result: exit 4' "the command fails (exit 4)"
tui_keys $S d
tui_wait $S 'Mark the step done anyway\? \(y/n\)' "d on a failed step asks first"
tui_keys $S y
tui_wait $S 'State: failed \(exit 4\), then' "the state changes"
tui_joined $S >"$T/screen"
expect_match "$T/screen" 'State: failed \(exit 4\), then marked done anyway' \
    "the step pane: failed (exit 4), then marked done anyway"
tui_has $S '^(✗|!) +3 Failed then marked do' "the list marks it failed"
tui_keys $S q
finish
