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

/* A screen (or a dialog over it): a table of functions like tmux's window modes. */
struct screen_ops {
	const char	*name;
	void		(*draw)(struct tui *, struct screen *);
	int		(*key)(struct tui *, struct screen *, int, wint_t);	/* fn key?, key */
	void		(*resize)(struct tui *, struct screen *);		/* may be NULL */
	int		(*tick)(struct tui *, struct screen *);		/* may be NULL */
	void		(*free)(struct screen *);			/* may be NULL */
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

/* The focus of the main screen. */
enum tui_focus { FOCUS_PANE, FOCUS_LIST };

#define TUI_MAX_SCREENS 8

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

	/* main screen state */
	enum tui_focus		 focus;
	int			 list_cur;
	int			 list_top;
	int			 item_cur;
	int			 pane_top;
	int			 out_back;	/* lines scrolled back from the end */

	/* the status line */
	char			*status;
	bool			 status_alarm;
	int64_t			 status_until_ms;

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
void	 tui_putf(int, int, int, attr_t, const char *, ...) PDR_PRINTF(5, 6);
int	 tui_width(const char *);
void	 tui_fill(int, int, int, attr_t);
void	 tui_box(struct tui *, int, int, int, int, const char *);
void	 tui_hline(struct tui *, int, int, int, attr_t);
void	 tui_vline(struct tui *, int, int, int, attr_t);
char	**tui_wrap(const char *, int, size_t *);
const char *tui_glyph(struct tui *, const char *, const char *);
char	*tui_clock(int64_t, char *, size_t);
char	*tui_dur(int64_t, char *, size_t);
int	 tui_record(struct tui *, const char *, enum incident_ev, const char *);
int	 tui_sync(struct tui *);
void	 tui_own(struct tui *, int64_t);

/* tui-main.c */
extern const struct screen_ops tui_main_screen;
int	 tui_main_tick(struct tui *);
void	 tui_main_first(struct tui *);
void	 tui_child_event(struct tui *);
void	 tui_child_hangup(struct tui *, const char *);

/* tui-dialog.c: dialogs over the main screen; done(t, ok, text, arg) gets the answer. */
typedef void (*tui_done_fn)(struct tui *, bool, const char *, void *);
void	 tui_edit(struct tui *, const char *, const char *, tui_done_fn, void *);
void	 tui_confirm(struct tui *, const char *, const char *, tui_done_fn, void *);
void	 tui_help(struct tui *);
void	 tui_timeline(struct tui *);

#endif
