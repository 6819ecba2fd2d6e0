/* alert.c: notifications that follow the incident record, sent by its follower process. */
#include "system.h"

#include "engine/backup/notify.h"
#include "model/alert.h"
#include "model/incident.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The notification channels: where each gets its JSON. */
enum { ALERT_WEBHOOK, ALERT_COMMAND, ALERT__CHANNELS };
static const char *const alert_channel_names[ALERT__CHANNELS] = { "webhook", "command" };

/* Whether notify.webhook or notify.command is set (alert.h). */
bool
alert_configured(const struct conf *c)
{
	return ((c->notify_webhook != NULL && *c->notify_webhook != '\0') ||
	    (c->notify_command != NULL && *c->notify_command != '\0'));
}

/* The title a step was started with (its step-started payload) before event i, or NULL. */
static const char *
alert_step_title(const struct incident_event *evs, size_t i, const char *step)
{
	while (i-- > 0)
		if (evs[i].kind == INCIDENT_EV_STEP_STARTED && evs[i].step != NULL &&
		    strcmp(evs[i].step, step) == 0 && *evs[i].payload != '\0')
			return (evs[i].payload);
	return (NULL);
}

/*
 * The text of event i when it is one to tell people about, else NULL; the
 * caller frees.
 */
static char *
alert_text(const struct incident *inc, const struct incident_event *evs, size_t i)
{
	const struct incident_event	*ev = &evs[i];
	const char			*title;
	char				 dur[TIMEUTIL_BUFSZ], *t, *msg;
	bool				 drill = inc->mode == INCIDENT_MODE_DRILL;

	duration_format(inc->rto, dur, sizeof dur);
	switch (ev->kind) {
	case INCIDENT_EV_DECLARED:
		msg = xasprintf(drill ? _("drill %s declared: %s (RTO %s)") :
		    _("incident %s declared: %s (RTO %s)"), inc->id, inc->runbook_title, dur);
		break;
	case INCIDENT_EV_STEP_FAILED:
		title = ev->step != NULL ? alert_step_title(evs, i, ev->step) : NULL;
		msg = xasprintf(_("%s: step %s failed: %s"), inc->id,
		    title != NULL ? title : ev->step != NULL ? ev->step : "?",
		    *ev->payload != '\0' ? ev->payload : _("no reason given"));
		break;
	case INCIDENT_EV_CLOCK:
		if (strcmp(ev->payload, "rto-50") == 0 || strcmp(ev->payload, "rto-75") == 0 ||
		    strcmp(ev->payload, "rto-80") == 0)
			msg = xasprintf(_("%s: %s%% of the RTO (%s) used"), inc->id,
			    ev->payload + 4, dur);
		else if (strcmp(ev->payload, "rto-breached") == 0)
			msg = xasprintf(_("%s: RTO (%s) breached"), inc->id, dur);
		else
			return (NULL);
		break;
	case INCIDENT_EV_CLOSED:
		msg = xasprintf(drill ? _("drill %s closed: %s") : _("incident %s closed: %s"),
		    inc->id, *ev->payload != '\0' ? ev->payload : _("closed"));
		break;
	case INCIDENT_EV_ABANDONED:
		msg = xasprintf(drill ? _("drill %s closed as opened by mistake: %s") :
		    _("incident %s closed as opened by mistake: %s"), inc->id, ev->payload);
		break;
	default:
		return (NULL);
	}
	t = notify_text("%s", msg);
	free(msg);
	return (t);
}

/* The JSON of one notification. */
static void
alert_json(struct buf *b, const char *text, const struct incident *inc,
    const struct incident_event *ev, const struct incident_event *head)
{
	buf_adds(b, "{\"text\":");
	json_add_string(b, text);
	buf_adds(b, ",\"incident\":");
	json_add_string(b, inc->id);
	buf_adds(b, ",\"event\":");
	json_add_string(b, ev->kind_name);
	buf_printf(b, ",\"seq\":%" PRId64 ",\"step\":", ev->seq);
	if (ev->step != NULL)
		json_add_string(b, ev->step);
	else
		buf_adds(b, "null");
	buf_printf(b, ",\"head\":{\"seq\":%" PRId64 ",\"hash\":\"%s\"}}", head->seq, head->hash);
}

/* Read a channel's progress: the last seq sent, 0 when none. */
static int64_t
alert_progress(const char *path)
{
	char	*text = NULL, *cause = NULL;
	size_t	 len;
	int64_t	 seq = 0;

	if (fs_read_file(path, 64, &text, &len, &cause) != 0) {
		free(cause);
		return (0);
	}
	if (sscanf(text, "%" SCNd64, &seq) != 1 || seq < 0)
		seq = 0;
	free(text);
	return (seq);
}

/* Send every notable event a channel lacks (alert.h). */
int
alert_follow(const struct conf *c, struct incident_store *st, const char *id, char **cause)
{
	struct incident		 inc;
	struct incident_event	*evs = NULL;
	struct buf		 b;
	char			*path, *text, num[32], *dir;
	long			 ms;
	size_t			 n = 0, i;
	int64_t			 done;
	char			*kept = NULL;
	int			 ch, rc = 0, found, sent;
	bool			 failed;

	if (!alert_configured(c))
		return (0);
	if ((found = incident_get(st, id, &inc, cause)) != 1) {
		if (found == 0)
			*cause = xasprintf(_("no incident %s in the record"), id);
		return (-1);
	}
	if (incident_events(st, id, 0, &evs, &n, cause) != 0) {
		incident_clear(&inc);
		return (-1);
	}
	dir = str_join_path(c->state_dir, "journal");
	if (fs_mkdir_p(dir, 0700, cause) != 0) {
		free(dir);
		incident_events_free(evs, n);
		incident_clear(&inc);
		return (-1);
	}
	free(dir);
	ms = c->notify_timeout > 0 && c->notify_timeout < 3600 ? (long)c->notify_timeout * 1000 :
	    5000;
	/* each channel on its own: one that fails does not hold up the other */
	for (ch = 0; ch < ALERT__CHANNELS && rc != -1 && n > 0; ch++) {
		if ((ch == ALERT_WEBHOOK && (c->notify_webhook == NULL || *c->notify_webhook == '\0')) ||
		    (ch == ALERT_COMMAND && (c->notify_command == NULL || *c->notify_command == '\0')))
			continue;
		path = xasprintf("%s/journal/%s.notified-%s", c->state_dir, id,
		    alert_channel_names[ch]);
		done = alert_progress(path);
		failed = false;
		for (i = (size_t)(done > 0 ? done : 0); i < n; i++) {
			if ((text = alert_text(&inc, evs, i)) == NULL)
				continue;
			buf_init(&b);
			alert_json(&b, text, &inc, &evs[i], &evs[n - 1]);
			free(text);
			sent = ch == ALERT_WEBHOOK ? notify_post_wait(c->notify_webhook, ms, b.data,
			    cause) : notify_command_wait(c->notify_command, ms, b.data, cause);
			buf_clear(&b);
			if (sent != 0) {
				if (rc == 0) {
					rc = 1;
					kept = *cause;
				} else
					free(*cause);
				*cause = NULL;
				failed = true;
				break;
			}
			snprintf(num, sizeof num, "%" PRId64 "\n", evs[i].seq);
			if (fs_write_atomic(path, num, strlen(num), 0600, cause) != 0) {
				rc = -1;
				break;
			}
		}
		/* nothing notable after the last one sent: remember how far was read */
		if (!failed && rc != -1 && i == n) {
			snprintf(num, sizeof num, "%" PRId64 "\n", evs[n - 1].seq);
			if (fs_write_atomic(path, num, strlen(num), 0600, cause) != 0)
				rc = -1;
		}
		free(path);
	}
	incident_events_free(evs, n);
	incident_clear(&inc);
	if (rc == 1)
		*cause = kept;
	else
		free(kept);
	return (rc);
}
