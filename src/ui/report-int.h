/*
 * report-int.h: what the report's own files share: report.c (the model),
 * report-text.c (words and escaping), report-md.c, report-html.c,
 * report-status.c (the renderers), report-people.c.
 */
#ifndef PDR_REPORT_INT_H
#define PDR_REPORT_INT_H

#include "system.h"

#include "ui/report.h"

/* Lines of a command's output kept in the report's excerpt (the last ones). */
#define REPORT_EXCERPT_LINES 12

/* report.c */
bool		 report_under(const char *, const char *);
int		 report_find_step(const struct report *, const char *);
int64_t		 report_expect(const struct report *, size_t);
bool		 report_not_reached(const struct report *, size_t);
bool		 report_done(const struct report *, size_t);
char		*report_failed_steps(const struct report *);

/* report-text.c */
const char	*report_time(int64_t, char *, size_t);
void		 report_html(struct buf *, const char *);
void		 report_md_text(struct buf *, const char *);
const char	*report_zone(int64_t, char *, size_t);
const char	*report_dur(int64_t, char *, size_t);
void		 report_safe(struct buf *, const char *);
void		 report_line(struct buf *, const char *);
char		*report_excerpt(const struct buf *, size_t *);
const char	*report_title(const struct report *, size_t);
char		*report_state(const struct report *, size_t);
const char	*report_remark(const struct report *, size_t);
const char	*report_actual(const struct report *, size_t, char *, size_t, int64_t *);
char		*report_describe(const struct incident_event *);
char		*report_heading(const struct report *);
const char	*report_result(const struct report *);
char		*report_hint(const struct report *, const char *);
size_t		 report_targets(const struct report *, const char *[4], char *[4]);
size_t		 report_answers(struct buf *, const struct report *,
		    void (*)(struct buf *, const char *, const char *, size_t));
const char	*report_history_result(const struct report_history *);

/* report-md.c */
void		 report_md(struct buf *, const struct report *);

/* report-html.c */
void		 report_html_doc(struct buf *, const struct report *,
		    const struct report_history *, size_t);

/* report-status.c */
void		 report_status(struct buf *, const struct report *);
void		 report_backup_test(struct buf *, const struct report *);

/* report-people.c */
void		 report_people_build(struct report *);
void		 report_people_clear(struct report *);
void		 report_people_md(struct buf *, const struct report *);
void		 report_people_html(struct buf *, const struct report *);
void		 report_calendar_md(struct buf *, const struct report *);
void		 report_calendar_html(struct buf *, const struct report *);
void		 report_notice(struct buf *, const struct report *);

#endif
