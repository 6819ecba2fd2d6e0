/* test-extract.c: unit tests of src/engine/extract (whole-archive check, swap, diff). */
#include "system.h"

#include <check.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "engine/recover/extract.h"
#include "engine/recover/restore.h"
#include "engine/set/manifest.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

/* One member of a test archive. */
struct member {
	char		 kind;		/* f file, x set-ID file, d folder, l symlink, h hard link, c device */
	const char	*name;
	const char	*arg;		/* file text or link target */
};

/* A gzip tar of the members in memory (caller frees *data). */
static void
make_archive(const struct member *m, size_t n, char **data, size_t *len)
{
	struct archive		*a = archive_write_new();
	struct archive_entry	*e;
	size_t			 size = 1 << 20, used = 0, i;

	*data = xmalloc(size);
	archive_write_add_filter_gzip(a);
	archive_write_set_format_gnutar(a);
	ck_assert_int_eq(archive_write_open_memory(a, *data, size, &used), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_mtime(e, 1700000000, 0);
		switch (m[i].kind) {
		case 'f':
		case 'x':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, m[i].kind == 'x' ? 06755 : 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(m[i].arg));
			break;
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0750);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, m[i].arg);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, m[i].arg);
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_perm(e, 0600);
			archive_entry_set_rdev(e, 0x0103);
			break;
		}
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].kind == 'f' || m[i].kind == 'x')
			archive_write_data(a, m[i].arg, strlen(m[i].arg));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	*len = used;
}

/* Whether extract_check accepts the members under prefix "etc/p". */
static bool
accepted(const struct member *m, size_t n)
{
	struct extract_opts	 o = { .name = "t", .target = "/etc/p", .prefix = "etc/p" };
	char			*data, *cause = NULL;
	size_t			 len;
	int			 rc;

	make_archive(m, n, &data, &len);
	rc = extract_check(data, len, &o, NULL, &cause);
	free(data);
	free(cause);
	return (rc == 0);
}

START_TEST(test_prefix)
{
	char	*p;

	p = extract_prefix("/etc/patronus/");
	ck_assert_str_eq(p, "etc/patronus");
	free(p);
	p = extract_prefix("//tmp/x/etc/patronus");
	ck_assert_str_eq(p, "tmp/x/etc/patronus");
	free(p);
}
END_TEST

/* The archive's top folder of the members, or NULL when extract_root refuses them. */
static char *
root_of(const struct member *m, size_t n)
{
	char	*data, *root = NULL, *cause = NULL;
	size_t	 len;

	make_archive(m, n, &data, &len);
	if (extract_root(data, len, "t", &root, &cause) != 0)
		root = NULL;
	free(data);
	free(cause);
	return (root);
}

START_TEST(test_root)
{
	static const struct member	plan[] = {
		{ 'd', "srv/a/etc/patronus/", NULL }, { 'f', "srv/a/etc/patronus/c.yaml", "x\n" }
	};
	static const struct member	dotted[] = { { 'd', "./etc//p/./", NULL } };
	static const struct member	file_first[] = {
		{ 'f', "etc/p/c.yaml", "x\n" }, { 'd', "etc/p/", NULL }
	};
	static const struct member	up[] = { { 'd', "etc/../../p/", NULL } };
	static const struct member	abs[] = { { 'd', "/etc/p/", NULL } };
	static const struct member	outside[] = {
		{ 'd', "srv/a/etc/p/", NULL }, { 'f', "srv/a/etc/other", "x\n" }
	};
	struct extract_opts		 o = { .name = "t", .target = "/standby/etc/p" };
	char				*r, *data, *cause = NULL;
	size_t				 len;

	r = root_of(plan, nitems(plan));
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "srv/a/etc/patronus");
	free(r);
	r = root_of(dotted, nitems(dotted));
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, "etc/p");
	free(r);
	ck_assert_ptr_null(root_of(file_first, nitems(file_first)));
	ck_assert_ptr_null(root_of(up, nitems(up)));
	ck_assert_ptr_null(root_of(abs, nitems(abs)));
	/* Mapped elsewhere, an entry beside the top folder is still refused. */
	r = root_of(outside, nitems(outside));
	ck_assert_ptr_nonnull(r);
	o.prefix = r;
	make_archive(outside, nitems(outside), &data, &len);
	ck_assert_int_eq(extract_check(data, len, &o, NULL, &cause), -2);
	ck_assert_ptr_nonnull(strstr(cause, "lies outside"));
	free(cause);
	free(data);
	free(r);
}
END_TEST

START_TEST(test_check_accepts)
{
	static const struct member	ok1[] = {
		{ 'd', "etc/p/", NULL }, { 'f', "etc/p/a.yaml", "a: 1\n" },
		{ 'd', "etc/p/tls/", NULL }, { 'l', "etc/p/tls/cfg", "../a.yaml" },
		{ 'h', "etc/p/b.yaml", "etc/p/a.yaml" }, { 'l', "etc/p/here", "./tls" },
	};
	static const struct member	ok2[] = {
		{ 'f', "./etc/p/a", "x\n" }, { 'f', "etc//p/./b", "y\n" },
	};

	ck_assert(accepted(ok1, nitems(ok1)));
	ck_assert(accepted(ok2, nitems(ok2)));
}
END_TEST

START_TEST(test_check_refuses)
{
	static const struct member	dotdot[] = { { 'f', "etc/p/../../x", "x" } };
	static const struct member	absolute[] = { { 'f', "/etc/p/x", "x" } };
	static const struct member	outside[] = { { 'f', "etc/px/x", "x" } };
	static const struct member	parent[] = { { 'f', "etc/x", "x" } };
	static const struct member	esc[] = { { 'l', "etc/p/l", "../../x" } };
	static const struct member	abslink[] = { { 'l', "etc/p/l", "/etc/p" } };
	static const struct member	midup[] = { { 'l', "etc/p/l", "tls/../../x" } };
	static const struct member	through[] = {
		{ 'd', "etc/p/d/", NULL }, { 'l', "etc/p/l", "d" }, { 'f', "etc/p/l/x", "x" },
	};
	static const struct member	late[] = {
		{ 'f', "etc/p/l/x", "x" }, { 'l', "etc/p/l", "." },
	};
	static const struct member	hard[] = { { 'h', "etc/p/h", "etc/passwd" } };
	static const struct member	hardnone[] = { { 'h', "etc/p/h", "etc/p/none" } };
	static const struct member	dev[] = { { 'c', "etc/p/null", NULL } };
	static const struct member	topfile[] = { { 'f', "etc/p", "x" } };
	static const struct member	toplink[] = { { 'l', "etc/p", "q" } };

	ck_assert(!accepted(dotdot, nitems(dotdot)));
	ck_assert(!accepted(absolute, nitems(absolute)));
	ck_assert(!accepted(outside, nitems(outside)));
	ck_assert(!accepted(parent, nitems(parent)));
	ck_assert(!accepted(esc, nitems(esc)));
	ck_assert(!accepted(abslink, nitems(abslink)));
	ck_assert(!accepted(midup, nitems(midup)));
	ck_assert(!accepted(through, nitems(through)));
	ck_assert(!accepted(late, nitems(late)));
	ck_assert(!accepted(hard, nitems(hard)));
	ck_assert(!accepted(hardnone, nitems(hardnone)));
	ck_assert(!accepted(dev, nitems(dev)));
	ck_assert(!accepted(topfile, nitems(topfile)));
	ck_assert(!accepted(toplink, nitems(toplink)));
}
END_TEST

/* restore_recheck: a file swapped after verify, or a manifest edited since, is refused. */
START_TEST(test_recheck)
{
	char		 dir[] = "/tmp/pdr-test-XXXXXX", *db, *cfg, *man, *text, *cause = NULL;
	char		 hex[HASHIO_HEXLEN];
	struct manifest	 m;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	db = xasprintf("%s/patronus-daily-20260101-000000.db", dir);
	cfg = xasprintf("%s/patronus-daily-20260101-000000-config.tar.gz", dir);
	man = xasprintf("%s/patronus-daily-20260101-000000-manifest.txt", dir);
	ck_assert_int_eq(fs_write_atomic(db, "db", 2, 0600, &cause), 0);
	ck_assert_int_eq(fs_write_atomic(cfg, "config", 6, 0600, &cause), 0);
	memset(&m, 0, sizeof m);
	m.type = xstrdup("daily");
	m.timestamp = xstrdup("20260101-000000");
	m.date = xstrdup("today");
	m.hostname = xstrdup("cp1");
	m.db_name = xstrdup("patronus-daily-20260101-000000.db");
	m.db_size = xstrdup("4.0K");
	m.sums[0].name = xstrdup("patronus-daily-20260101-000000.db");
	ck_assert_int_eq(hashio_file(db, m.sums[0].hex, NULL, &cause), 0);
	m.sums[1].name = xstrdup("patronus-daily-20260101-000000-config.tar.gz");
	ck_assert_int_eq(hashio_file(cfg, m.sums[1].hex, NULL, &cause), 0);
	m.nsums = 2;
	memcpy(hex, m.sums[1].hex, HASHIO_HEXLEN);
	text = manifest_format(&m, "key-key-key-key-key");
	ck_assert_int_eq(fs_write_atomic(man, text, strlen(text), 0600, &cause), 0);
	ck_assert_int_eq(restore_recheck(db, cfg, hex, "key-key-key-key-key", false, &cause), 0);
	/* The archive as read now is not the one in the manifest. */
	hex[0] = hex[0] == '0' ? '1' : '0';
	ck_assert_int_eq(restore_recheck(db, cfg, hex, "key-key-key-key-key", false, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "changed since the set was verified"));
	free(cause);
	memcpy(hex, m.sums[1].hex, HASHIO_HEXLEN);
	/* Another key (or an edited manifest): its HMAC no longer matches. */
	ck_assert_int_eq(restore_recheck(db, cfg, hex, "another-key-another", false, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "manifest changed"));
	free(cause);
	free(text);
	/* Unsigned: only with allow_unsigned. */
	text = manifest_format(&m, NULL);
	ck_assert_int_eq(fs_write_atomic(man, text, strlen(text), 0600, &cause), 0);
	ck_assert_int_eq(restore_recheck(db, cfg, hex, "key-key-key-key-key", false, &cause), -1);
	free(cause);
	ck_assert_int_eq(restore_recheck(db, cfg, hex, "key-key-key-key-key", true, &cause), 0);
	free(text);
	/* restore_db installs nothing when the copy is not the file that verified. */
	{
		struct restore_db_result	 r;
		char				*live, *data = NULL;
		size_t				 len;

		live = xasprintf("%s/live.db", dir);
		ck_assert_int_eq(fs_write_atomic(live, "live", 4, 0600, &cause), 0);
		ck_assert_int_eq(restore_db(db, live, "20260101-000000", false, hex, &r, &cause),
		    FAIL_DATA);
		ck_assert_ptr_nonnull(strstr(cause, "changed since the set was verified"));
		free(cause);
		restore_db_result_clear(&r);
		ck_assert_int_eq(fs_read_file(live, 64, &data, &len, &cause), 0);
		ck_assert_str_eq(data, "live");
		free(data);
		ck_assert_int_eq(restore_db(db, live, "20260101-000001", false, m.sums[0].hex,
		    &r, &cause), 0);
		restore_db_result_clear(&r);
		ck_assert_int_eq(fs_read_file(live, 64, &data, &len, &cause), 0);
		ck_assert_str_eq(data, "db");
		free(data);
		free(live);
	}
	manifest_clear(&m);
	ck_assert_int_eq(fs_remove_tree(dir, &cause), 0);
	free(db);
	free(cfg);
	free(man);
}
END_TEST

START_TEST(test_tree_swap)
{
	static const struct member	m[] = {
		{ 'd', "P/", NULL }, { 'f', "P/a", "new a\n" }, { 'f', "P/c", "c\n" },
		{ 'l', "P/l", "a" }, { 'h', "P/h", "P/c" }, { 'x', "P/suid", "#!/bin/sh\n" },
	};
	struct extract_opts		 o;
	struct extract_result		 r;
	struct stat			 s1, s2;
	char				 tmpl[] = "/tmp/pdr-extract.XXXXXX", *dir, *target;
	char				*prefix, *kept, *data, *cause = NULL, *text, *p;
	struct member			 mm[nitems(m)];
	size_t				 len, i, tlen;

	ck_assert_ptr_nonnull(dir = mkdtemp(tmpl));
	target = str_join_path(dir, "p");
	kept = str_join_path(dir, "p.old");
	ck_assert_int_eq(mkdir(target, 0755), 0);
	p = str_join_path(target, "a");
	ck_assert_int_eq(fs_write_atomic(p, "old a\n", 6, 0644, &cause), 0);
	free(p);
	p = str_join_path(target, "b");
	ck_assert_int_eq(fs_write_atomic(p, "b\n", 2, 0644, &cause), 0);
	free(p);

	prefix = extract_prefix(target);
	memcpy(mm, m, sizeof m);
	for (i = 0; i < nitems(mm); i++) {
		mm[i].name = xasprintf("%s%s", prefix, m[i].name + 1);
		if (m[i].kind == 'h')
			mm[i].arg = xasprintf("%s%s", prefix, m[i].arg + 1);
	}
	make_archive(mm, nitems(mm), &data, &len);
	memset(&o, 0, sizeof o);
	o.name = "t";
	o.target = target;
	o.prefix = prefix;
	o.kept = kept;
	ck_assert_int_eq(extract_tree(data, len, &o, &r, &cause), 0);
	ck_assert_uint_eq(r.added, 4);		/* c, l, h, suid */
	ck_assert_uint_eq(r.changed, 1);	/* a */
	ck_assert_uint_eq(r.removed, 1);	/* b */
	ck_assert(r.kept);
	p = str_join_path(target, "a");
	ck_assert_int_eq(fs_read_file(p, 100, &text, &tlen, &cause), 0);
	ck_assert_str_eq(text, "new a\n");
	free(text);
	free(p);
	p = str_join_path(kept, "b");
	ck_assert(fs_exists(p));
	free(p);
	p = str_join_path(target, "c");
	ck_assert_int_eq(stat(p, &s1), 0);
	free(p);
	p = str_join_path(target, "h");
	ck_assert_int_eq(stat(p, &s2), 0);
	free(p);
	ck_assert(s1.st_ino == s2.st_ino);	/* a hard link inside stays one */
	ck_assert_int_eq(s1.st_mode & 07777, 0644);
	p = str_join_path(target, "suid");
	ck_assert_int_eq(stat(p, &s2), 0);
	free(p);
	ck_assert_int_eq(s2.st_mode & 07777, 0755);	/* set-ID bits dropped */
	extract_result_clear(&r);
	free(data);
	for (i = 0; i < nitems(mm); i++) {
		free((char *)mm[i].name);
		if (m[i].kind == 'h')
			free((char *)mm[i].arg);
	}
	p = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(p), 0);
	free(p);
	free(prefix);
	free(target);
	free(kept);
}
END_TEST

/* The suite of extract tests. */
static Suite *
extract_suite(void)
{
	Suite	*s = suite_create("extract");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_prefix);
	tcase_add_test(tc, test_root);
	tcase_add_test(tc, test_check_accepts);
	tcase_add_test(tc, test_check_refuses);
	tcase_add_test(tc, test_tree_swap);
	tcase_add_test(tc, test_recheck);
	suite_add_tcase(s, tc);
	return (s);
}

/* Run the suite; exit non-zero when a test fails. */
int
main(void)
{
	return (testlib_run(extract_suite(), NULL));
}
