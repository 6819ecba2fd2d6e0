/* rotate.c: a new WireGuard key pair for the local interface, the old one kept aside. */
#include "system.h"

#include <sys/stat.h>

#include "engine/recover/extract.h"
#include "engine/recover/rotate.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Largest wg0.conf read. */
#define ROTATE_MAX_CONF (1024 * 1024)

/* Copy a small file into dir, mode 0600, atomically; a missing file is skipped. */
static int
rotate_keep(const char *path, const char *dir, char **cause)
{
	char	*data, *dst;
	size_t	 len;
	int	 rc;

	if (!fs_exists(path))
		return (0);
	if (fs_read_file(path, ROTATE_MAX_CONF, &data, &len, cause) != 0)
		return (-1);
	dst = str_join_path(dir, strrchr(path, '/') + 1);
	rc = fs_write_atomic(dst, data, len, 0600, cause);
	wgkey_wipe(data, len);
	free(data);
	free(dst);
	return (rc);
}

/*
 * The text of a wg0.conf with the PrivateKey of its [Interface] section set
 * to priv (caller wipes and frees). Returns NULL with *cause when there is none.
 */
static char *
rotate_conf_text(const char *path, const char *conf, const char *priv, char **cause)
{
	struct buf	 b;
	const char	*p, *eol, *k;
	bool		 iface = false, done = false;
	size_t		 len;

	buf_init(&b);
	for (p = conf; *p != '\0'; p = eol) {
		eol = strchr(p, '\n');
		eol = eol != NULL ? eol + 1 : p + strlen(p);
		len = (size_t)(eol - p);
		for (k = p; k < eol && (*k == ' ' || *k == '\t'); k++)
			;
		if (*k == '[')
			iface = strncmp(k, "[Interface]", 11) == 0;
		else if (iface && !done && strncmp(k, "PrivateKey", 10) == 0) {
			for (k += 10; k < eol && (*k == ' ' || *k == '\t'); k++)
				;
			if (k < eol && *k == '=') {
				buf_printf(&b, "PrivateKey = %s\n", priv);
				done = true;
				continue;
			}
		}
		buf_add(&b, p, len);
	}
	if (!done) {
		*cause = xasprintf(_("%s: no PrivateKey in [Interface]"), path);
		wgkey_wipe(b.data, b.size);
		buf_clear(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/*
 * Give interface iface of the WireGuard folder dir a new X25519 key pair:
 * keep wg0.conf, privatekey and publickey in dir/old-STAMP (0700, files
 * 0600), write the new PrivateKey into IFACE.conf and the new privatekey
 * (0600) and publickey, each atomically. Fills r (free with
 * rotate_result_clear). Returns FAIL_NONE, or the class of the failure with
 * *cause (FAIL_DATA: the conf has no PrivateKey to replace).
 */
enum fail_class
rotate_keys(const char *dir, const char *iface, const char *stamp,
    struct rotate_result *r, char **cause)
{
	char		 priv[WGKEY_B64_SIZE], *conf_path, *priv_path, *pub_path;
	char		*conf = NULL, *text = NULL, *old = NULL, *line;
	struct stat	 st;
	size_t		 len = 0;
	mode_t		 pubmode = 0644;
	enum fail_class	 fc = FAIL_NONE;

	memset(r, 0, sizeof *r);
	conf_path = xasprintf("%s/%s.conf", dir, iface);
	priv_path = str_join_path(dir, "privatekey");
	pub_path = str_join_path(dir, "publickey");
	if (fs_read_file(conf_path, ROTATE_MAX_CONF, &conf, &len, cause) != 0) {
		fc = fail_errno(errno);
		goto out;
	}
	if (stat(conf_path, &st) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", conf_path, strerror(errno));
		goto out;
	}
	if (fs_read_file(pub_path, 1024, &old, &len, cause) == 0) {
		line = str_trim(old);
		if (strlen(line) == WGKEY_B64_LEN)
			memcpy(r->old_public, line, WGKEY_B64_SIZE);
	} else {
		free(*cause);
		*cause = NULL;
	}
	if (stat(pub_path, &st) == 0)
		pubmode = st.st_mode & 0644;

	/* The old files first, so that nothing is lost whatever happens next. */
	r->kept = xasprintf("%s/old-%s", dir, stamp);
	if (mkdir(r->kept, 0700) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", r->kept, strerror(errno));
		goto out;
	}
	if (rotate_keep(conf_path, r->kept, cause) != 0 ||
	    rotate_keep(priv_path, r->kept, cause) != 0 ||
	    rotate_keep(pub_path, r->kept, cause) != 0 ||
	    fs_fsync_dir(r->kept, cause) != 0) {
		fc = fail_errno(errno);
		goto out;
	}
	log_info(_("old %s.conf and keys kept in %s"), iface, r->kept);
	extract_checkpoint("rotate-kept");

	if (wgkey_generate(priv, r->new_public, cause) != 0) {
		fc = FAIL_IO;
		goto out;
	}
	if ((text = rotate_conf_text(conf_path, conf, priv, cause)) == NULL) {
		fc = FAIL_DATA;
		goto out;
	}
	if (fs_write_atomic(conf_path, text, strlen(text), 0600, cause) != 0) {
		fc = fail_errno(errno);
		goto out;
	}
	extract_checkpoint("rotate-conf");
	line = xasprintf("%s\n", priv);
	if (fs_write_atomic(priv_path, line, strlen(line), 0600, cause) != 0)
		fc = fail_errno(errno);
	wgkey_wipe(line, strlen(line));
	free(line);
	if (fc != FAIL_NONE)
		goto out;
	line = xasprintf("%s\n", r->new_public);
	if (fs_write_atomic(pub_path, line, strlen(line), pubmode, cause) != 0)
		fc = fail_errno(errno);
	free(line);
out:
	wgkey_wipe(priv, sizeof priv);
	if (conf != NULL) {
		wgkey_wipe(conf, strlen(conf));
		free(conf);
	}
	if (text != NULL) {
		wgkey_wipe(text, strlen(text));
		free(text);
	}
	free(old);
	free(conf_path);
	free(priv_path);
	free(pub_path);
	return (fc);
}

/* Free what rotate_keys put in r. */
void
rotate_result_clear(struct rotate_result *r)
{
	free(r->kept);
	memset(r, 0, sizeof *r);
}
