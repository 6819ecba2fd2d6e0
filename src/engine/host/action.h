/* action.h: the registry of engine actions that runbooks call with action:. */
#ifndef PDR_ACTION_H
#define PDR_ACTION_H

#include "system.h"

/* One with: parameter an action takes. */
struct action_param {
	const char	*name;
	bool		 required;
	const char	*help;		/* N_() */
	bool		 positional;	/* passed as a bare argument after the options */
	bool		 flag;		/* "--NAME" alone when the value is true/yes, nothing when false/no */
};

/* One engine action: a runbook name and the subcommand that carries it out. */
struct action_def {
	const char			*name;		/* e.g. "restore-db" */
	const char			*summary;	/* N_() */
	const char *const		*command;	/* argv after the program: {"restore","db",NULL} */
	const struct action_param	*params;	/* ends with a NULL name */
	bool				 destructive;	/* replaces live data */
	bool				 planned;	/* named by the plan, not built yet */
	const char			*yes_flag;	/* the subcommand's "proceed without asking" option */
	/*
	 * In a drill: false runs the action against the drill's sandbox (its
	 * dr.yaml: a copy of the database, config and keys), so a destructive
	 * one runs for real there; true runs it with the live settings, for an
	 * action that only reads live data or writes beside it (backup_dir, the
	 * log folder): a destructive one of these (prune) is simulated.
	 */
	bool				 drill_live;
};

const struct action_def	*action_find(const char *);
const struct action_def	*action_list(size_t *);
const struct action_param *action_find_param(const struct action_def *, const char *);

/* Whether a flag parameter's value means true (true/yes/on/1); -1 when it is neither true nor false. */
int			 action_flag_value(const char *);

/*
 * The argv (NULL-terminated, the caller frees the array and its strings) that
 * runs the action as a child: self, "--config", config (left out when NULL),
 * the command words, then "--NAME" "VALUE" for each parameter in the order
 * given ("--NAME" alone for a true flag), positional parameters last. Names
 * not in the action's table are skipped (the linter refuses them earlier).
 */
char	**action_argv(const struct action_def *, const char *, const char *,
	    const char *const *, const char *const *, size_t, bool);

#endif
