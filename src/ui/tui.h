/* tui.h: the full-screen runbook walk (the cli layer's view of the TUI; no curses here). */
#ifndef PDR_TUI_H
#define PDR_TUI_H

#include "system.h"

#include "model/incident.h"
#include "model/runbook.h"
#include "util/conf.h"

/* What the TUI walks: an open incident of a runbook. Nothing here is owned by the TUI. */
struct tui_opts {
	const struct conf	*conf;
	const char		*config_path;	/* passed to engine actions; NULL: none */
	const char		*self;		/* this program, for engine actions */
	struct incident_store	*store;
	const struct incident	*inc;
	const struct runbook	*rb;		/* expanded (no use: steps) */
	bool			 resumed;	/* record a "resumed" event */
	/*
	 * A drill's sandbox (engine/host/sandbox.h): its settings and dr.yaml,
	 * which the drill's steps get instead of the live ones (actions that
	 * work with live settings, drill_live, excepted); NULL when the drill
	 * has none, and then destructive actions are only simulated.
	 */
	const struct conf	*drill_conf;
	const char		*drill_config;
	/* Called after the TUI closed the incident (the cli refreshes the metrics file), or NULL. */
	void			(*closed)(const struct conf *);
};

/* How the TUI ended. */
enum tui_end {
	TUI_LEFT,		/* the operator left with q; the incident stays open */
	TUI_CLOSED,		/* the incident was closed */
	TUI_HANGUP,		/* SIGHUP or SIGTERM (or the terminal went away) */
};

/*
 * Walk the incident on the terminal until the operator leaves or a signal
 * ends it. Returns 0 and *end, or -1 and *cause (caller frees) when the
 * terminal cannot be used or the record cannot be read or written.
 */
int	tui_main(const struct tui_opts *, enum tui_end *, char **);
/* Whether the terminal can show the TUI (0), else -1 and *cause (caller frees). */
int	tui_can_start(char **);

#endif
