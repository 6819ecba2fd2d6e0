/* cmd.h: the subcommand descriptors that src/main.c gathers in one table. */
#ifndef PDR_CMD_H
#define PDR_CMD_H

#include "system.h"

#include <getopt.h>
#include <time.h>

#include "util/conf.h"

/* What every subcommand gets: the settings and the global options. */
struct cmd_ctx {
	const char	*config_path;	/* --config, or NULL */
	struct conf	 conf;		/* loaded when the entry asks for it */
	int		 verbose;
};

#define CMD_NEEDS_CONFIG	0x1	/* load dr.yaml first; a bad one exits 78 */
#define CMD_HIDDEN		0x2	/* internal: left out of the command list */
#define CMD_OPTS_FIRST		0x4	/* getopt stops at the first operand (the verb) */

/*
 * One option of a subcommand, declared once (options.c): getopt's tables,
 * the usage line, the help's option list and the completion test
 * (tests/cli/completion.sh) come from it, and test-options checks the
 * runbook actions (engine/host/action.c) against it.
 */
struct cmd_opt {
	const char	*name;		/* the long name, without "--"; NULL ends a table */
	int		 key;		/* what cmd_getopts returns: the letter of -X, else >= 256 */
	const char	*arg;		/* N_(): the argument's name, e.g. "DIR"; NULL: it takes none
					   (the usage line keeps it in English, as the synopsis) */
	const char	*help;		/* N_(): what it does, lines broken with '\n' */
	unsigned	 flags;		/* CMD_OPT_* */
	const char	*sub;		/* the subcommand (cmd_sub name) it goes with; NULL: every one */
};
#define CMD_OPT_SHORT		0x01	/* -KEY works too, and the help shows it */
#define CMD_OPT_OPTIONAL	0x02	/* the argument may be left out ("[ARG]") */
#define CMD_OPT_REPEAT		0x04	/* may be given more than once ("[--NAME ARG]...") */
#define CMD_OPT_REQUIRED	0x08	/* the usage shows it without brackets */
#define CMD_OPT_HIDDEN		0x10	/* internal (one run passes it to another): not shown */

/* One form of a subcommand with words of its own ("restore all [NAME]"), for the usage line. */
struct cmd_sub {
	const char	*name;		/* e.g. "all", "db|config|keys"; "" for none; NULL ends */
	const char	*args;		/* its operands, e.g. "[NAME]", or "" */
};

/* One subcommand. Strings are marked with N_() and translated when shown. */
struct cmd_entry {
	const char		*name;
	const char		*args;		/* operands after the name, e.g. "RUNBOOK-ID"; the
						   options follow, or stand at its "%s"; with
						   subs, the forms stand at "%s" ("[%s]") */
	const char		*summary;	/* one line for the command list */
	const char		*help;		/* what --help says before the options */
	int			 flags;
	int			(*exec)(const struct cmd_entry *, struct cmd_ctx *, int, char **);
	const struct cmd_opt	*opts;		/* ends with a NULL name; -h/--help is implied */
	int			 opt_col;	/* the column of the options' help texts */
	const char		*help_tail;	/* N_(): what --help says after the options, or NULL */
	const struct cmd_sub	*subs;		/* the forms with words of their own, or NULL */
	int			 sub_lines;	/* 1: one usage line per form, not "a | b" */
};

PDR_NORETURN void	cmd_usage_error(const struct cmd_entry *, const char *, ...)
			    PDR_PRINTF(2, 3);
void			cmd_help(const struct cmd_entry *, FILE *);
int			cmd_getopts(const struct cmd_entry *, int, char **);
/* options.c: the getopt tables, usage line and option list made from an entry's opts. */
struct buf;
void			cmd_opts_getopt(const struct cmd_entry *, struct buf *, struct option **);
void			cmd_opts_usage(const struct cmd_entry *, struct buf *);
void			cmd_opts_help(const struct cmd_entry *, struct buf *);
const struct cmd_opt	*cmd_opt_find(const struct cmd_entry *, const char *);
bool			cmd_opt_in_sub(const struct cmd_opt *, const char *);
const struct cmd_entry	*const *cmd_list(size_t *);
const struct cmd_entry	*cmd_find(const char *);
int			cmd_load_config(struct cmd_ctx *);
void			cmd_error(const char *, ...) PDR_PRINTF(1, 2);
void			cmd_say(const char *, ...) PDR_PRINTF(1, 2);
struct table;
void			cmd_print_table(struct table *);
void			cmd_print_safe(FILE *, const char *);
const char		*cmd_esc(const char *);
bool			cmd_exists(const char *);
char			**cmd_runbook_dirs(const struct conf *, size_t *);
char			*cmd_hint_program(void);
char			*cmd_program_dir_off_path(void);
char			*cmd_hint_prefix(const struct conf *);
char			*cmd_hint(const struct conf *, const char *, const char *);

/* common.c: the clock (with its test hook), --wait and the lock, the log file, metrics. */
int			cmd_now(time_t *);
void			cmd_open_log(const struct conf *);
struct metrics;
void			cmd_notify(const struct conf *, const char *, ...) PDR_PRINTF(2, 3);
void			cmd_metrics(const struct conf *, struct metrics *, time_t);
int64_t			cmd_wait_ms(const struct cmd_entry *, const char *);
int			cmd_lock(const struct conf *, const char *, int64_t, bool);

/* The subcommands, one file each. */
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_backup_entry;
extern const struct cmd_entry cmd_verify_entry;
extern const struct cmd_entry cmd_backups_entry;
extern const struct cmd_entry cmd_prune_entry;
extern const struct cmd_entry cmd_fetch_entry;
extern const struct cmd_entry cmd_demo_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_supervise_entry;
extern const struct cmd_entry cmd_assess_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_evidence_entry;
extern const struct cmd_entry cmd_keys_entry;
extern const struct cmd_entry cmd_restore_entry;
extern const struct cmd_entry cmd_restore_test_entry;
extern const struct cmd_entry cmd_rpo_entry;
extern const struct cmd_entry cmd_incidents_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_drills_entry;
extern const struct cmd_entry cmd_runbooks_entry;
extern const struct cmd_entry cmd_stream_entry;

struct conf;
struct incident;
struct incident_store;
struct runbook;
struct runbook_set;
struct report_history;

/* run-walk.c: the TUI walk, shared by run, resume and demo. */
int	cmd_tui_walk(struct cmd_ctx *, struct incident_store *, const struct incident *, bool);
#define RUN_DRILL		0x1	/* a drill, in a sandbox */
#define RUN_KEEP_SANDBOX	0x2	/* keep the sandbox after the drill */
#define RUN_UNATTENDED		0x4	/* walk without a person (run-unattended.c) */
int	cmd_run_start(struct cmd_ctx *, const char *, unsigned, int64_t);
int	cmd_demo_walk(struct cmd_ctx *, const char *);
void	cmd_run_metrics(const struct conf *);
void	cmd_run_sandbox_done(const struct conf *, const struct incident *);

/* offsite.c: the off-site stores for fetch, restore and rpo */
struct remote;
struct fallback_survey;
int	cmd_offsite_stores(struct cmd_ctx *, int, struct remote *, size_t *);
int	cmd_offsite_fail_exit(int);
void	cmd_offsite_print_skips(char *const *, size_t);
void	cmd_offsite_print_survey(const struct fallback_survey *, time_t);
void	cmd_offsite_note(struct cmd_ctx *, int64_t);

/* run-unattended.c: a drill walked without a person (run --drill --unattended). */
struct tui_opts;
int	run_unattended(const struct tui_opts *, char **);
/* incidents-offsite.c: ship the record off-site after each event when a store is configured. */
void	cmd_journal_install(const struct conf *);
int	incidents_ship(struct cmd_ctx *, const char *, bool);
int	incidents_fetch(struct cmd_ctx *, int, const char *);
/* cmd-incidents.c, for incidents-offsite.c */
int	cmd_incidents_open(struct cmd_ctx *, struct incident_store **, bool *);

/* common.c: the record read for report, drills, check and the metrics. */
int	cmd_report_open(const struct conf *, struct incident_store **);
struct runbook *cmd_report_runbook(const struct conf *, struct runbook_set *, const char *);
int	cmd_report_history(const struct conf *, struct incident_store *, const char *,
	    struct report_history **, size_t *);
void	cmd_report_history_free(struct report_history *, size_t);
struct calendar_row;
struct buf;
int	cmd_drill_calendar(const struct conf *, struct incident_store *, struct calendar_row **,
	    size_t *);
size_t	cmd_calendar_text(struct buf *, const struct calendar_row *, size_t, int64_t);

#endif
