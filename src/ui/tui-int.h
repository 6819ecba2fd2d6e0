/* tui-int.h: what the files of src/tui share; the only header that includes curses. */
#ifndef PDR_TUI_INT_H
#define PDR_TUI_INT_H

#include "system.h"

#ifndef NCURSES_WIDECHAR
# define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <wchar.h>

#include "ui/tui.h"
#include "model/walk.h"
#include "util/proc.h"
#include "util/str.h"

/* What key handlers return; one loop acts on it. */
#define SCR_HANDLED	0x1	/* the key meant something here */
#define SCR_REDRAW	0x2	/* draw the screen again */
#define SCR_QUIT	0x4	/* leave the TUI */

struct tui;
struct screen;

/*
 * A screen (or a dialog over it): a table of functions like tmux's window
 * modes. The loop (tui.c) knows screens only through these: it draws them,
 * hands them keys, ticks and the news of the child the TUI started.
 */
struct screen_ops {
	const char	*name;
	void		(*draw)(struct tui *, struct screen *);
	int		(*key)(struct tui *, struct screen *, int, wint_t);	/* fn key?, key */
	void		(*resize)(struct tui *, struct screen *);		/* may be NULL */
	int		(*tick)(struct tui *, struct screen *);		/* may be NULL */
	/* t->proc's pipe is ready or closed: read it, reap it; returns SCR_* flags. May be NULL. */
	int		(*child)(struct tui *, struct screen *);
	/* the TUI ends, for the reason given, with t->proc running. May be NULL. */
	void		(*hangup)(struct tui *, struct screen *, const char *);
	/* the line a terminal too small for the screen still shows (caller frees), or NULL */
	char		*(*small)(struct tui *, struct screen *, attr_t *);
	/* frees data and what it holds; the screen itself is the stack's. May be NULL. */
	void		(*clear_data)(struct screen *);
};

/* One entry of the screen stack. */
struct screen {
	const struct screen_ops	*ops;
	void			*data;
};

/* Colour pairs / attribute roles. */
enum tui_role {
	ROLE_NORMAL,
	ROLE_HEADER,
	ROLE_DRILL,
	ROLE_ATTENTION,
	ROLE_ALARM,
	ROLE_DONE,
	ROLE_FAILED,
	ROLE_SKIPPED,
	ROLE_RUNNING,
	ROLE_SELECTED,
	ROLE_DIM,
	ROLE_TITLE,
	ROLE_COMMAND,
	ROLE__COUNT
};

#define TUI_MAX_SCREENS 8

/* The smallest terminal the TUI draws on; smaller ones get one line that says so. */
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

struct main_state;

/* When a key of the main screen applies (struct tui_key's when). */
#define TK_LIST		0x01	/* the step list has the focus */
#define TK_STEP		0x02	/* the step pane has the focus */
#define TK_OUT		0x04	/* the output pane has the focus */
#define TK_PANES	(TK_LIST | TK_STEP | TK_OUT)
#define TK_OPEN		0x10	/* only while the incident is open */
#define TK_IDLE		0x20	/* only while nothing runs in the step */
#define TK_BUSY		0x40	/* only while a command runs */
#define TK_RIGHT	0x80	/* footer: at the right end */
#define TK_ACTION	0x100	/* starts an action: the old message goes */
#define TK_KIND(k)	(1u << (k))	/* struct tui_key's kinds: enum rb_kind bits */

/*
 * One key of the main screen, as tmux's key tables and htop's actions: the
 * key handling, the footer and the help screen are all read from these rows.
 */
struct tui_key {
	bool		 fn;		/* a curses KEY_* code, not a character */
	wint_t		 key;
	const char	*name;		/* as the help shows it */
	unsigned	 when;		/* TK_* panes and conditions */
	unsigned	 kinds;		/* TK_KIND bits of the step's kind; 0: any */
	int		(*run)(struct tui *, struct main_state *, int);
	int		 arg;
	const char	*fkey;		/* the footer's key text; NULL: name */
	const char	*label;		/* the footer's label (N_); NULL: not in the footer */
	const char	*help;		/* the help screen's text (N_) */
};

/* Everything the TUI knows. */
struct tui {
	const struct tui_opts	*o;
	struct walk		 w;
	struct screen		 stack[TUI_MAX_SCREENS];
	int			 nstack;
	int			 rows, cols;
	bool			 utf8;
	bool			 color;
	attr_t			 attr[ROLE__COUNT];
	enum tui_end		 end;
	bool			 quit;

	/* the running child, if this TUI started it */
	struct proc		*proc;
	int			 proc_step;
	uint64_t		 proc_bytes;
	uint64_t		 proc_dropped;
	char			*proc_run;	/* the run id its supervisor claims */
	struct buf		 proc_msg;	/* what the supervisor said (a refusal) */
	int64_t			 settle_ms;	/* last look for runs nobody watches */

	/* the status line: a message about the step that was current when it was set */
	char			*status;
	bool			 status_alarm;
	int64_t			 status_until_ms;
	int			 status_step;

	/* the RPO: newest backup manifest or stream point, rescanned now and then */
	int64_t			 rpo_newest_ms;	/* 0: no backup */
	int64_t			 rpo_scanned_ms;
	bool			 rpo_stream;	/* rpo_newest_ms is the stream's */
	char			*rpo_warn;	/* the target cannot be met: why; owned */

	/* seqs this TUI appended, to tell other operators' events apart */
	int64_t			*own;
	size_t			 nown;

	char			*operator;
	bool			 synced;	/* the first read of the record is done */
};

/* tui.c */
void	 tui_push(struct tui *, const struct screen_ops *, void *);
void	 tui_pop(struct tui *);
void	 tui_status(struct tui *, bool, const char *, ...) PDR_PRINTF(3, 4);
int64_t	 tui_now_ms(void);
void	 tui_put(int, int, int, attr_t, const char *);
void	 tui_put_cut(struct tui *, int, int, int, attr_t, const char *);
void	 tui_putf(int, int, int, attr_t, const char *, ...) PDR_PRINTF(5, 6);
int	 tui_width(const char *);
void	 tui_fill(int, int, int, attr_t);
void	 tui_box(struct tui *, int, int, int, int, const char *);
void	 tui_hline(struct tui *, int, int, int, attr_t);
void	 tui_vline(struct tui *, int, int, int, attr_t);
char	**tui_wrap(const char *, int, size_t *);
char	**tui_wrap_hard(const char *, size_t, int, size_t *);
const char *tui_glyph(struct tui *, const char *, const char *);
char	*tui_clock(int64_t, char *, size_t);
char	*tui_dur(int64_t, char *, size_t);
int	 tui_record(struct tui *, const char *, enum incident_ev, const char *);
int	 tui_appended(struct tui *, int, struct incident_event *, char **);
int	 tui_run(const struct tui_opts *, void (*)(struct tui *), enum tui_end *, char **);
int	 tui_sync(struct tui *);
void	 tui_own(struct tui *, int64_t);

/* tui-dialog.c: dialogs over the main screen; done(t, ok, text, arg) gets the answer. */
typedef void (*tui_done_fn)(struct tui *, bool, const char *, void *);
void	 tui_edit(struct tui *, const char *, const char *, tui_done_fn, void *);
void	 tui_confirm(struct tui *, const char *, const char *, tui_done_fn, void *);
void	 tui_help(struct tui *, const struct tui_key *, size_t);
void	 tui_contacts(struct tui *);
void	 tui_timeline(struct tui *);

#endif
