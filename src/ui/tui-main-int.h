/*
 * tui-main-int.h: what the files of the main screen share: its state (struct
 * main_state), the step pane's lines and the functions one file of it calls in another.
 * tui-main.c: the screen's table, its state and the settings and commands of a step;
 * tui-main-draw.c: drawing; tui-main-keys.c: the key table and the keys' work;
 * tui-main-child.c: the supervisor a step's command runs under.
 */
#ifndef PDR_TUI_MAIN_INT_H
#define PDR_TUI_MAIN_INT_H

#include "ui/tui-int.h"

/* A line of the step pane that says how the step's command runs or ended (struct pline's item). */
#define PL_RESULT	-2

/* One line of the step pane; item is the index of what the cursor selects on it, or -1. */
struct pline {
	char	*text;
	attr_t	 attr;
	int	 item;
};

/* The lines of the step pane while they are built, wrapped to width. */
struct plines {
	struct pline	*l;
	size_t		 n;
	int		 width;
};

/* Which pane of the main screen has the focus (Tab moves it in this order). */
enum main_focus { MF_STEP, MF_LIST, MF_OUT };

/* The main screen's state (its screen data): the focus, the cursors, the scroll positions. */
struct main_state {
	enum main_focus	 focus;
	int		 seen_step;	/* the current step when last drawn */
	int		 list_cur;	/* the step list's cursor */
	int		 list_top;
	int		 list_h;	/* the list's height when last drawn */
	int		 item_cur;	/* the item of the current step the keys act on */
	bool		 item_show;	/* scroll the step pane to it at the next draw */
	int		 pane_top;	/* the step pane's first line */
	int		 pane_h;
	int		 pane_n;	/* the step pane's lines when last drawn */
	bool		 pane_more;	/* the step pane has more below */
	int		 result_step;	/* the step whose result line was last seen */
	char		*result_seen;	/* that line; a new one is scrolled into view */
	int		 out_top;	/* the output's first row; -1: follow its end */
	int		 out_h;
	int		 out_n;		/* rows of output when last drawn */
};

/*
 * What the supervisor of a step's command (cmd-supervise.c) is started with;
 * tui_main_supervise_argv spells it as supervise's options, which
 * tests/unit/test-options.c parses with supervise's own option table.
 */
struct tui_supervise {
	const char	*self;		/* this program */
	const char	*config;	/* --config of the TUI, or NULL */
	const char	*incident;
	const char	*step;
	const char	*run;
	const char	*client;
	const char	*command;	/* the command as the step shows it */
	char *const	*argv;		/* the command's argv; NULL: sh -c command */
};

/* tui-main-keys.c: the key table */
extern const struct tui_key tui_main_keys[];
extern const size_t tui_main_nkeys;

/* tui-main.c */
struct main_state *tui_main_st(struct tui *);
int	 tui_main_view(struct tui *, struct main_state *);
const struct conf *tui_main_step_conf(struct tui *, int, const char **);
enum rb_drill tui_main_drill_rule(struct tui *, const struct rb_step *);
char	*tui_main_command(struct tui *, int, char ***, char **);
void	 tui_main_goto(struct tui *, int);

/* tui-main-draw.c */
char	*tui_main_rto(struct tui *, attr_t *);
int	 tui_main_nitems(struct tui *, int);
int	 tui_main_clamp(int, int, int);
bool	 tui_main_key_applies(struct tui *, struct main_state *,
	    const struct tui_key *);
void	 tui_main_draw(struct tui *, struct screen *);

/* tui-main-keys.c */
void	 tui_main_advance(struct tui *, int);
int	 tui_main_key(struct tui *, struct screen *, int, wint_t);

/* tui-main-child.c */
const char **tui_main_supervise_argv(const struct tui_supervise *);
void	 tui_main_key_run(struct tui *, int);
bool	 tui_main_run_ours(struct tui *, int);
void	 tui_main_key_cancel(struct tui *, int);
bool	 tui_main_settle(struct tui *);
void	 tui_main_child_io(struct tui *);
int	 tui_main_child(struct tui *, struct screen *);
void	 tui_main_hangup(struct tui *, struct screen *, const char *);

#endif
