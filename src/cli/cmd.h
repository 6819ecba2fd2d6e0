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

/* One subcommand. Strings are marked with N_() and translated when shown. */
struct cmd_entry {
	const char	*name;
	const char	*args;		/* usage after the name, e.g. "[--dir DIR]" */
	const char	*summary;	/* one line for the command list */
	const char	*help;		/* options and details for COMMAND --help */
	int		 flags;
	int		(*exec)(const struct cmd_entry *, struct cmd_ctx *, int, char **);
};

PDR_NORETURN void	cmd_usage_error(const struct cmd_entry *, const char *, ...)
			    PDR_PRINTF(2, 3);
void			cmd_help(const struct cmd_entry *, FILE *);
int			cmd_getopt(const struct cmd_entry *, int, char **, const char *,
			    const struct option *);
int			cmd_load_config(struct cmd_ctx *);
void			cmd_error(const char *, ...) PDR_PRINTF(1, 2);
void			cmd_say(const char *, ...) PDR_PRINTF(1, 2);
struct table;
void			cmd_print_table(struct table *);
void			cmd_print_safe(FILE *, const char *);
const char		*cmd_esc(const char *);
bool			cmd_exists(const char *);
char			**cmd_runbook_dirs(const struct conf *, size_t *);
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

/* cmd-fetch.c, for restore all --from-remote */
struct remote;
struct fallback_survey;
int	cmd_fetch_stores(struct cmd_ctx *, int, struct remote *, size_t *);
int	cmd_fetch_fail_exit(int);
void	cmd_fetch_print_skips(char *const *, size_t);
void	cmd_fetch_print_survey(const struct fallback_survey *, time_t);
void	cmd_fetch_offsite_note(struct cmd_ctx *, int64_t);

/* run-unattended.c: a drill walked without a person (run --drill --unattended). */
struct tui_opts;
int	run_unattended(const struct tui_opts *, char **);
/* incidents-offsite.c: ship the record off-site after each event when a store is configured. */
void	cmd_journal_install(const struct conf *);
int	incidents_ship(struct cmd_ctx *, const char *, bool);
int	incidents_fetch(struct cmd_ctx *, int, const char *);
/* cmd-incidents.c, for incidents-offsite.c */
int	incidents_open(struct cmd_ctx *, struct incident_store **, bool *);

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
