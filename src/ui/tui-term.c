/* tui-term.c: whether the terminal can show the TUI (term.h's macros kept out of the rest). */
#include "system.h"

#include <unistd.h>

#include "ui/tui-int.h"

#include <term.h>

#include "util/xmalloc.h"

/*
 * Whether the TUI can start here: a terminal on standard input and output of
 * a type terminfo knows. Returns 0, or -1 and *cause (caller frees). Lets a
 * command refuse before it declares anything.
 */
int
tui_can_start(char **cause)
{
	TERMINAL	*old, *term;
	int		 err = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*cause = xstrdup(_("the TUI needs a terminal on standard input and output"));
		return (-1);
	}
	old = cur_term;
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		*cause = xasprintf(_("cannot use the terminal type \"%s\""),
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return (-1);
	}
	term = set_curterm(old);
	del_curterm(term);
	return (0);
}
