/* conf.c: dr.yaml, the settings of patronus-dr, parsed with libyaml. */
#include "system.h"

#include <limits.h>
#include <unistd.h>
#include <yaml.h>

#include "util/conf.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/fsutil.h"
#include "util/xmalloc.h"

enum conf_type { CT_PATH, CT_STRING, CT_URL, CT_COUNT, CT_DURATION, CT_PATHLIST };

/* One key of dr.yaml: its dotted name, type, place in struct conf and default. */
struct conf_entry {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;
	const char	*dflt;		/* NULL: unset by default */
};

#define F(m) offsetof(struct conf, m)
static const struct conf_entry conf_table[CONF__COUNT] = {
	[CONF_DATABASE] = { "database", CT_PATH, F(database), "/var/lib/patronus/sdwan.db" },
	[CONF_CONFIG_DIR] = { "config_dir", CT_PATH, F(config_dir), "/etc/patronus" },
	[CONF_WIREGUARD_DIR] = { "wireguard_dir", CT_PATH, F(wireguard_dir), "/etc/wireguard" },
	[CONF_BACKUP_DIR] = { "backup_dir", CT_PATH, F(backup_dir), "/backup/patronus" },
	[CONF_ENCRYPTION_KEY] = { "encryption_key", CT_PATH, F(encryption_key),
	    "/etc/patronus/backup-encryption-key" },
	[CONF_LOG_FILE] = { "log_file", CT_PATH, F(log_file), "/var/log/patronus/backup.log" },
	[CONF_STATE_DIR] = { "state_dir", CT_PATH, F(state_dir), "/var/lib/patronus/dr" },
	[CONF_RUNBOOK_DIRS] = { "runbook_dirs", CT_PATHLIST, F(runbook_dirs), NULL },
	[CONF_BACKUP_INTERVAL] = { "backup_interval", CT_DURATION, F(backup_interval), "1h" },
	[CONF_RETENTION_HOURLY] = { "retention.hourly", CT_COUNT, F(retention_hourly), "24" },
	[CONF_RETENTION_DAILY] = { "retention.daily", CT_COUNT, F(retention_daily), "7" },
	[CONF_RETENTION_WEEKLY] = { "retention.weekly", CT_COUNT, F(retention_weekly), "4" },
	[CONF_RETENTION_MONTHLY] = { "retention.monthly", CT_COUNT, F(retention_monthly), "12" },
	[CONF_SFTP_URL] = { "remote.sftp.url", CT_URL, F(sftp_url), NULL },
	[CONF_SFTP_IDENTITY] = { "remote.sftp.identity", CT_PATH, F(sftp_identity), NULL },
	[CONF_SFTP_KNOWN_HOSTS] = { "remote.sftp.known_hosts", CT_PATH, F(sftp_known_hosts), NULL },
	[CONF_S3_ENDPOINT] = { "remote.s3.endpoint", CT_URL, F(s3_endpoint), NULL },
	[CONF_S3_BUCKET] = { "remote.s3.bucket", CT_STRING, F(s3_bucket), NULL },
	[CONF_S3_PREFIX] = { "remote.s3.prefix", CT_STRING, F(s3_prefix), NULL },
	[CONF_S3_REGION] = { "remote.s3.region", CT_STRING, F(s3_region), "us-east-1" },
	[CONF_S3_CA_FILE] = { "remote.s3.ca_file", CT_PATH, F(s3_ca_file), NULL },
	[CONF_METRICS_FILE] = { "metrics_file", CT_PATH, F(metrics_file), NULL },
	[CONF_NOTIFY_WEBHOOK] = { "notify.webhook", CT_URL, F(notify_webhook), NULL },
	[CONF_NOTIFY_TIMEOUT] = { "notify.timeout", CT_DURATION, F(notify_timeout), "5s" },
	[CONF_NOTIFY_COMMAND] = { "notify.command", CT_STRING, F(notify_command), NULL },
	[CONF_STREAM_INTERVAL] = { "stream.interval", CT_DURATION, F(stream_interval), "1s" },
	[CONF_STREAM_RETENTION] = { "stream.retention", CT_DURATION, F(stream_retention), "24h" },
	[CONF_STREAM_CHECKPOINT_FRAMES] = { "stream.checkpoint_frames", CT_COUNT,
	    F(stream_checkpoint_frames), "1000" },
	[CONF_SDWAN_BINARY] = { "sdwan_binary", CT_PATH, F(sdwan_binary),
	    "/usr/bin/patronus-sdwan" },
	[CONF_RETENTION_FORENSIC] = { "retention.forensic", CT_COUNT, F(retention_forensic), "3" },
};
#undef F

/* The sections: mappings whose keys are further dotted names. */
static const char *const conf_sections[] = {
	"retention", "remote", "remote.sftp", "remote.s3", "notify", "stream"
};

/* The dotted name of a key ("retention.hourly"). */
const char *
conf_key_name(enum conf_key key)
{
	return (conf_table[key].name);
}

/* Set a string member, freeing what it held. */
static void
conf_set_string(struct conf *c, size_t offset, char *value)
{
	char	**slot = (char **)((char *)c + offset);

	free(*slot);
	*slot = value;
}

/* Free a path list. */
static void
conf_clear_list(struct conf *c)
{
	str_list_free(c->runbook_dirs, c->n_runbook_dirs);
	c->runbook_dirs = NULL;
	c->n_runbook_dirs = 0;
}

/* Free the contacts. */
static void
conf_clear_contacts(struct conf *c)
{
	size_t	i;

	for (i = 0; i < c->ncontacts; i++) {
		free(c->contacts[i].role);
		free(c->contacts[i].primary);
		free(c->contacts[i].secondary);
		free(c->contacts[i].phone);
		free(c->contacts[i].chat);
	}
	free(c->contacts);
	c->contacts = NULL;
	c->ncontacts = 0;
}

/* The contact of a role (conf.h). */
const struct conf_contact *
conf_contact_find(const struct conf *c, const char *role)
{
	size_t	i;

	if (role == NULL)
		return (NULL);
	for (i = 0; i < c->ncontacts; i++)
		if (strcmp(c->contacts[i].role, role) == 0)
			return (&c->contacts[i]);
	for (i = 0; i < c->ncontacts; i++)
		if (strcasecmp(c->contacts[i].role, role) == 0)
			return (&c->contacts[i]);
	return (NULL);
}

/* How to reach a role's holders in one line: "A (primary), B (secondary), PHONE, CHAT"; NULL when none. Caller frees. */
char *
conf_contact_text(const struct conf_contact *ct)
{
	struct buf	b;

	buf_init(&b);
	if (ct->primary != NULL)
		buf_printf(&b, _("%s (primary)"), ct->primary);
	if (ct->secondary != NULL)
		buf_printf(&b, _("%s%s (secondary)"), b.len > 0 ? ", " : "", ct->secondary);
	if (ct->phone != NULL)
		buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", ct->phone);
	if (ct->chat != NULL)
		buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", ct->chat);
	if (b.len == 0) {
		buf_clear(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/* Fill c with the DR plan's defaults; any earlier content is dropped. */
void
conf_defaults(struct conf *c)
{
	const struct conf_entry	*e;
	size_t			 i;
	int64_t			 secs;
	char			*cause = NULL;

	memset(c, 0, sizeof *c);
	for (i = 0; i < CONF__COUNT; i++) {
		e = &conf_table[i];
		switch (e->type) {
		case CT_PATH:
		case CT_STRING:
		case CT_URL:
			if (e->dflt != NULL)
				conf_set_string(c, e->offset, xstrdup(e->dflt));
			break;
		case CT_COUNT:
			*(int *)((char *)c + e->offset) = atoi(e->dflt);
			break;
		case CT_DURATION:
			if (duration_parse(e->dflt, &secs, &cause) != 0)
				abort();
			*(int64_t *)((char *)c + e->offset) = secs;
			break;
		case CT_PATHLIST:
			break;
		}
	}
	c->runbook_dirs = xcalloc(2, sizeof *c->runbook_dirs);
	c->runbook_dirs[0] = xstrdup(PDR_RUNBOOKDIR);
	c->runbook_dirs[1] = xstrdup("/etc/patronus/runbooks.d");
	c->n_runbook_dirs = 2;
}

/* Free everything c owns. */
void
conf_clear(struct conf *c)
{
	size_t	i;

	for (i = 0; i < CONF__COUNT; i++) {
		switch (conf_table[i].type) {
		case CT_PATH:
		case CT_STRING:
		case CT_URL:
			conf_set_string(c, conf_table[i].offset, NULL);
			break;
		default:
			break;
		}
	}
	conf_clear_list(c);
	conf_clear_contacts(c);
	free(c->path);
	c->path = NULL;
}

/* A key's value as text, the way `config` prints it; the caller frees. NULL if unset. */
char *
conf_value_string(const struct conf *c, enum conf_key key)
{
	const struct conf_entry	*e = &conf_table[key];
	const char		*p = (const char *)c + e->offset;
	char			 dbuf[TIMEUTIL_BUFSZ];
	struct buf		 b;
	size_t			 i;

	switch (e->type) {
	case CT_PATH:
	case CT_STRING:
	case CT_URL:
		return (*(char *const *)p == NULL ? NULL : xstrdup(*(char *const *)p));
	case CT_COUNT:
		return (xasprintf("%d", *(const int *)p));
	case CT_DURATION:
		return (xstrdup(duration_format(*(const int64_t *)p, dbuf, sizeof dbuf)));
	case CT_PATHLIST:
		buf_init(&b);
		buf_addc(&b, '[');
		for (i = 0; i < c->n_runbook_dirs; i++)
			buf_printf(&b, "%s%s", i == 0 ? "" : ", ", c->runbook_dirs[i]);
		buf_addc(&b, ']');
		return (buf_steal(&b));
	}
	return (NULL);
}

/* The state of one parse: the file, its document, and the errors found so far. */
struct conf_parse {
	struct conf	*conf;
	const char	*file;		/* as named by the user, for messages */
	char		*basedir;	/* relative paths are taken from here */
	yaml_document_t	*doc;
	struct buf	 errors;
	int		 nerrors;
};

/* Record an error at a node's mark: "FILE:LINE:COLUMN: message". */
static void PDR_PRINTF(3, 4)
conf_error(struct conf_parse *cp, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (cp->nerrors > 0)
		buf_addc(&cp->errors, '\n');
	buf_printf(&cp->errors, "%s:%zu:%zu: %s", cp->file, mark->line + 1,
	    mark->column + 1, msg);
	cp->nerrors++;
	free(msg);
}

/* Whether name is a section (a mapping of further keys). */
static bool
conf_is_section(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(conf_sections); i++)
		if (strcmp(conf_sections[i], name) == 0)
			return (true);
	return (false);
}

/* The table entry for a dotted name, or -1. */
static int
conf_find(const char *name)
{
	size_t	i;

	for (i = 0; i < CONF__COUNT; i++)
		if (strcmp(conf_table[i].name, name) == 0)
			return ((int)i);
	return (-1);
}

/* Make a path absolute against the config file's folder; the caller frees. */
static char *
conf_resolve_path(struct conf_parse *cp, const char *value)
{
	if (value[0] == '/' || cp->basedir == NULL)
		return (xstrdup(value));
	return (str_join_path(cp->basedir, value));
}

/* The text of a scalar node, or NULL after recording an error for a non-scalar. */
static const char *
conf_scalar(struct conf_parse *cp, yaml_node_t *node, const char *name, const char *what)
{
	if (node->type != YAML_SCALAR_NODE) {
		conf_error(cp, &node->start_mark, _("%s: expected %s, found a %s"), name,
		    what, node->type == YAML_MAPPING_NODE ? _("mapping") : _("list"));
		return (NULL);
	}
	return ((const char *)node->data.scalar.value);
}

/* Whether a scalar was written as YAML null (~, null, or nothing at all). */
static bool
conf_is_null(yaml_node_t *node)
{
	const char	*v;

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return (false);
	v = (const char *)node->data.scalar.value;
	return (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}

/* Whether a scalar's YAML tag is one whose value is its text: none, !!str, !!int or !!null. */
static bool
conf_tag_ok(yaml_node_t *node)
{
	const char	*t = (const char *)node->tag;

	return (t == NULL || strcmp(t, YAML_STR_TAG) == 0 || strcmp(t, YAML_INT_TAG) == 0 ||
	    strcmp(t, YAML_NULL_TAG) == 0);
}

/* Store the value of one key, checking its type. */
static void
conf_set_value(struct conf_parse *cp, int idx, yaml_node_t *node)
{
	const struct conf_entry	*e = &conf_table[idx];
	struct conf		*c = cp->conf;
	const char		*v;
	char			*cause = NULL, *end;
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	int64_t			 secs;
	long			 n;
	size_t			 count, i;

	if (e->type == CT_PATHLIST) {
		if (node->type == YAML_SCALAR_NODE && !conf_is_null(node)) {
			conf_error(cp, &node->start_mark,
			    _("%s: expected a list of folders, e.g. [/etc/patronus/runbooks.d]"),
			    e->name);
			return;
		}
		if (node->type == YAML_MAPPING_NODE) {
			conf_error(cp, &node->start_mark,
			    _("%s: expected a list of folders, found a mapping"), e->name);
			return;
		}
		conf_clear_list(c);
		if (node->type == YAML_SCALAR_NODE)
			goto origin;
		count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
		c->runbook_dirs = xcalloc(count + 1, sizeof *c->runbook_dirs);
		for (i = 0, it = node->data.sequence.items.start;
		    it < node->data.sequence.items.top; it++) {
			item = yaml_document_get_node(cp->doc, *it);
			if ((v = conf_scalar(cp, item, e->name, _("a folder name"))) == NULL)
				continue;
			if (*v == '\0') {
				conf_error(cp, &item->start_mark, _("%s: empty folder name"), e->name);
				continue;
			}
			c->runbook_dirs[i++] = conf_resolve_path(cp, v);
		}
		c->n_runbook_dirs = i;
		goto origin;
	}

	if ((v = conf_scalar(cp, node, e->name, _("a single value"))) == NULL)
		return;
	if (!conf_tag_ok(node)) {
		/* !!binary and the like: the value would not be the text written. */
		conf_error(cp, &node->start_mark, _("%s: the YAML tag %s is not accepted "
		    "here; write the value plainly"), e->name, (const char *)node->tag);
		return;
	}
	if (conf_is_null(node)) {
		if (e->type == CT_COUNT || e->type == CT_DURATION) {
			conf_error(cp, &node->start_mark, _("%s: a value is required"), e->name);
			return;
		}
		conf_set_string(c, e->offset, NULL);	/* explicitly unset */
		goto origin;
	}
	switch (e->type) {
	case CT_PATH:
		if (*v == '\0') {
			/* It would become the settings file's own folder. */
			conf_error(cp, &node->start_mark, _("%s: an empty path; leave the key "
			    "out for the default"), e->name);
			return;
		}
		conf_set_string(c, e->offset, conf_resolve_path(cp, v));
		break;
	case CT_STRING:
		conf_set_string(c, e->offset, xstrdup(v));
		break;
	case CT_URL:
		if (strstr(v, "://") == NULL) {
			conf_error(cp, &node->start_mark,
			    _("%s: \"%s\" is not a URL (expected scheme://host/...)"), e->name, v);
			return;
		}
		conf_set_string(c, e->offset, xstrdup(v));
		break;
	case CT_COUNT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < 0 || n > 100000) {
			conf_error(cp, &node->start_mark,
			    _("%s: \"%s\" is not a count (a whole number from 0 to 100000)"),
			    e->name, v);
			return;
		}
		*(int *)((char *)c + e->offset) = (int)n;
		break;
	case CT_DURATION:
		if (duration_parse(v, &secs, &cause) != 0) {
			conf_error(cp, &node->start_mark, "%s: %s", e->name, cause);
			free(cause);
			return;
		}
		if (secs == 0) {
			conf_error(cp, &node->start_mark, _("%s: must be longer than 0s"), e->name);
			return;
		}
		*(int64_t *)((char *)c + e->offset) = secs;
		break;
	case CT_PATHLIST:
		break;
	}
origin:
	c->origin[idx].file = c->path;
	c->origin[idx].line = (int)node->start_mark.line + 1;
	c->origin[idx].column = (int)node->start_mark.column + 1;
}

/*
 * contacts: a mapping of role name to {primary, secondary, phone, chat}, all
 * optional texts; anything else is an error at its place. Replaces any
 * contacts read before.
 */
static void
conf_parse_contacts(struct conf_parse *cp, yaml_node_t *map)
{
	static const char *const keys[] = { "primary", "secondary", "phone", "chat" };
	struct conf		*c = cp->conf;
	struct conf_contact	*ct;
	yaml_node_pair_t	*pair, *p2, *other;
	yaml_node_t		*k, *v, *k2, *v2;
	const char		*role, *key, *text;
	char			**slot;
	size_t			 i;

	conf_clear_contacts(c);
	if (conf_is_null(map))
		return;
	if (map->type != YAML_MAPPING_NODE) {
		conf_error(cp, &map->start_mark, _("contacts: expected a mapping of role "
		    "names to {primary, secondary, phone, chat}"));
		return;
	}
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(cp->doc, pair->key);
		v = yaml_document_get_node(cp->doc, pair->value);
		if (k->type != YAML_SCALAR_NODE || *k->data.scalar.value == '\0') {
			conf_error(cp, &k->start_mark, _("contacts: a role is named by a text"));
			continue;
		}
		role = (const char *)k->data.scalar.value;
		if (conf_contact_find(c, role) != NULL &&
		    strcmp(conf_contact_find(c, role)->role, role) == 0) {
			conf_error(cp, &k->start_mark, _("contacts: role \"%s\" given twice"), role);
			continue;
		}
		if (v->type != YAML_MAPPING_NODE) {
			conf_error(cp, &v->start_mark, _("contacts.%s: expected a mapping "
			    "(primary, secondary, phone, chat)"), role);
			continue;
		}
		c->contacts = xreallocarray(c->contacts, c->ncontacts + 1, sizeof *c->contacts);
		ct = &c->contacts[c->ncontacts++];
		memset(ct, 0, sizeof *ct);
		ct->role = xstrdup(role);
		ct->origin.file = c->path;
		ct->origin.line = (int)k->start_mark.line + 1;
		ct->origin.column = (int)k->start_mark.column + 1;
		for (p2 = v->data.mapping.pairs.start; p2 < v->data.mapping.pairs.top; p2++) {
			k2 = yaml_document_get_node(cp->doc, p2->key);
			v2 = yaml_document_get_node(cp->doc, p2->value);
			key = k2->type == YAML_SCALAR_NODE ? (const char *)k2->data.scalar.value : "";
			for (i = 0; i < nitems(keys); i++)
				if (strcmp(keys[i], key) == 0)
					break;
			if (i == nitems(keys)) {
				conf_error(cp, &k2->start_mark, _("contacts.%s: unknown key \"%s\" "
				    "(primary, secondary, phone, chat)"), role, key);
				continue;
			}
			for (other = v->data.mapping.pairs.start; other < p2; other++) {
				yaml_node_t *ok = yaml_document_get_node(cp->doc, other->key);

				if (ok->type == YAML_SCALAR_NODE &&
				    strcmp((const char *)ok->data.scalar.value, key) == 0)
					break;
			}
			if (other < p2) {
				conf_error(cp, &k2->start_mark, _("contacts.%s: duplicate key \"%s\""),
				    role, key);
				continue;
			}
			if ((text = conf_scalar(cp, v2, key, _("a single value"))) == NULL)
				continue;
			slot = i == 0 ? &ct->primary : i == 1 ? &ct->secondary :
			    i == 2 ? &ct->phone : &ct->chat;
			free(*slot);
			*slot = conf_is_null(v2) ? NULL : xstrdup(text);
		}
	}
}

/* Walk a mapping whose keys are named under prefix ("" at the top). */
static void
conf_walk(struct conf_parse *cp, yaml_node_t *map, const char *prefix)
{
	yaml_node_pair_t	*pair, *other;
	yaml_node_t		*k, *v, *ok;
	const char		*key;
	char			*name;
	int			 idx;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(cp->doc, pair->key);
		v = yaml_document_get_node(cp->doc, pair->value);
		if (k->type != YAML_SCALAR_NODE) {
			conf_error(cp, &k->start_mark, _("keys must be plain names"));
			continue;
		}
		key = (const char *)k->data.scalar.value;
		for (other = map->data.mapping.pairs.start; other < pair; other++) {
			ok = yaml_document_get_node(cp->doc, other->key);
			if (ok->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)ok->data.scalar.value, key) == 0) {
				conf_error(cp, &k->start_mark,
				    _("duplicate key \"%s\" (first at line %zu)"), key,
				    ok->start_mark.line + 1);
				break;
			}
		}
		if (other < pair)
			continue;
		name = *prefix == '\0' ? xstrdup(key) : xasprintf("%s.%s", prefix, key);
		if (strcmp(name, "contacts") == 0)
			conf_parse_contacts(cp, v);
		else if (conf_is_section(name)) {
			if (v->type == YAML_MAPPING_NODE)
				conf_walk(cp, v, name);
			else if (!conf_is_null(v))
				conf_error(cp, &v->start_mark,
				    _("%s: expected a mapping of settings"), name);
		} else if ((idx = conf_find(name)) != -1)
			conf_set_value(cp, idx, v);
		else
			conf_error(cp, &k->start_mark, _("unknown key \"%s\""), name);
		free(name);
	}
}

/* Check settings that only make sense together. */
static void
conf_check(struct conf_parse *cp, yaml_node_t *root)
{
	struct conf	*c = cp->conf;
	yaml_mark_t	 m;

	if (c->sftp_url != NULL && strncmp(c->sftp_url, "sftp://", 7) != 0) {
		m.line = (size_t)c->origin[CONF_SFTP_URL].line - 1;
		m.column = (size_t)c->origin[CONF_SFTP_URL].column - 1;
		conf_error(cp, &m, _("remote.sftp.url: must start with sftp://"));
	}
	if ((c->s3_endpoint == NULL) != (c->s3_bucket == NULL)) {
		enum conf_key	set = c->s3_endpoint != NULL ? CONF_S3_ENDPOINT : CONF_S3_BUCKET;

		m.line = (size_t)c->origin[set].line - 1;
		m.column = (size_t)c->origin[set].column - 1;
		conf_error(cp, &m, _("remote.s3: both endpoint and bucket are required"));
	}
	(void)root;
}

/* Turn a libyaml parser error into "FILE:LINE:COLUMN: problem". */
static void
conf_parser_error(struct conf_parse *cp, yaml_parser_t *p)
{
	yaml_mark_t	mark = p->problem_mark;

	if (p->error == YAML_READER_ERROR) {
		memset(&mark, 0, sizeof mark);
		conf_error(cp, &mark, _("cannot read: %s (at byte %zu)"),
		    p->problem != NULL ? p->problem : "error", p->problem_offset);
		return;
	}
	if (p->context != NULL)
		conf_error(cp, &mark, "%s %s", p->problem != NULL ? p->problem :
		    _("syntax error"), p->context);
	else
		conf_error(cp, &mark, "%s", p->problem != NULL ? p->problem :
		    _("syntax error"));
}

/*
 * Read settings from one file over what c holds. When must_exist is false a
 * missing file leaves the defaults. On error returns -1 and *cause holds every
 * "FILE:LINE:COLUMN: what is wrong" line (the caller frees).
 */
int
conf_load_file(struct conf *c, const char *path, bool must_exist, char **cause)
{
	struct conf_parse	 cp;
	yaml_parser_t		 parser;
	yaml_document_t		 doc;
	yaml_node_t		*root;
	FILE			*f;
	char			*dir;

	if ((f = fs_fopen_regular(path)) == NULL) {
		if (errno == ENOENT && !must_exist)
			return (0);
		*cause = errno == EINVAL ? xasprintf(_("%s:1:1: not a regular file"), path) :
		    xasprintf("%s:1:1: %s", path, strerror(errno));
		return (-1);
	}
	free(c->path);
	c->path = xstrdup(path);

	memset(&cp, 0, sizeof cp);
	cp.conf = c;
	cp.file = c->path;
	dir = strrchr(path, '/') != NULL ? xstrndup(path, (size_t)(strrchr(path, '/') - path)) : NULL;
	if (dir != NULL && *dir == '\0') {
		free(dir);
		dir = xstrdup("/");
	}
	if (dir == NULL) {
		char	*cwd = getcwd(NULL, 0);

		dir = cwd != NULL ? cwd : xstrdup(".");
	} else if (dir[0] != '/') {
		char	*cwd = getcwd(NULL, 0), *abs;

		abs = str_join_path(cwd != NULL ? cwd : ".", dir);
		free(cwd);
		free(dir);
		dir = abs;
	}
	cp.basedir = dir;
	buf_init(&cp.errors);

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		conf_parser_error(&cp, &parser);
		goto done;
	}
	cp.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || conf_is_null(root)) {
		/* An empty file: all defaults. */
	} else if (root->type != YAML_MAPPING_NODE)
		conf_error(&cp, &root->start_mark,
		    _("expected a mapping of settings (key: value) at the top"));
	else {
		conf_walk(&cp, root, "");
		if (cp.nerrors == 0)
			conf_check(&cp, root);
	}
	yaml_document_delete(&doc);
	/* A second document in the same file is a mistake, not something to ignore. */
	if (cp.nerrors == 0 && yaml_parser_load(&parser, &doc)) {
		root = yaml_document_get_root_node(&doc);
		if (root != NULL)
			conf_error(&cp, &root->start_mark,
			    _("only one YAML document is allowed"));
		yaml_document_delete(&doc);
	}
done:
	yaml_parser_delete(&parser);
	fclose(f);
	free(cp.basedir);
	if (cp.nerrors > 0) {
		*cause = buf_steal(&cp.errors);
		return (-1);
	}
	buf_clear(&cp.errors);
	return (0);
}

/*
 * Load the effective settings: defaults, then the file named by --config
 * (explicit, may be NULL), else $PATRONUS_DR_CONFIG, else /etc/patronus/dr.yaml
 * (which may be absent). Returns -1 with *cause; c is then still valid.
 */
int
conf_load(struct conf *c, const char *explicit, bool defaults_ok, char **cause)
{
	const char	*env;

	conf_defaults(c);
	if (explicit != NULL)
		return (conf_load_file(c, explicit, true, cause));
	if ((env = getenv("PATRONUS_DR_CONFIG")) != NULL && *env != '\0')
		return (conf_load_file(c, env, true, cause));
	return (conf_load_file(c, CONF_DEFAULT_PATH, !defaults_ok, cause));
}
