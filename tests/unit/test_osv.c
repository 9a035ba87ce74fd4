/* SPDX-License-Identifier: MIT */
/*
 * Offline OSV matching: semver precedence, Go version mapping, loading the
 * test records of tests/osv (malformed ones reported by file name and
 * skipped), and matching the standard library and modules, replacements
 * included. Also hostile directories: a FIFO named *.json, a huge record.
 */
#include "testlib.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "osv.h"

#define OSV_DIR "tests/osv"

static int sv(const char *a, const char *b)
{
	bool ok;
	int c = gs_semver_cmp(a, b, &ok);

	if (!ok)
		fail_msg("%s vs %s: not valid", a, b);
	return c;
}

static void test_semver_order(void **state)
{
	/* semver.org §11's example, then Go's pseudo-versions and shorthands */
	static const char *const order[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.0.1", "1.2", "1.2.1", "1.10.0",
		"2.0.0-0", "2.0.0",
	};

	(void)state;
	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
		if (sv(order[i - 1], order[i]) >= 0)
			fail_msg("%s !< %s", order[i - 1], order[i]);
		assert_int_equal(sv(order[i], order[i - 1]), 1);
	}
	assert_int_equal(sv("v1.2.3", "1.2.3"), 0);
	assert_int_equal(sv("1", "1.0.0"), 0);
	assert_int_equal(sv("v2.0.0+incompatible", "2.0.0"), 0);
	assert_int_equal(sv("1.0.0+build.1", "1.0.0+build.2"), 0);
	assert_int_equal(sv("v0.0.0-20200101000000-abcdefabcdef",
			    "0.0.0-20210101000000-abcdefabcdef"), -1);
	assert_int_equal(sv("v0.0.0-20220715151400-c0bba94af5f8",
			    "0.0.0-20220908164124-27713097b956"), -1);
	assert_int_equal(sv("0.0.0-20220715151400-c0bba94af5f8", "0.0.1"), -1);
	assert_int_equal(sv("1.0.0-10", "1.0.0-9"), 1);
	/* alphanumeric identifiers compare as text */
	assert_int_equal(sv("1.0.0-a10", "1.0.0-a9"), -1);
	assert_int_equal(sv("1.0.0-rc.1", "1.0.0-rc.1.1"), -1);
}

static void test_semver_invalid(void **state)
{
	static const char *const bad[] = {
		"", "v", "abc", "1..2", "1.2.", "1.2.3-", "1.2.3+", "1.2.3-a..b", "1.2.3-a_b",
		"1.2.3.4", "-1.2.3", "1.2.3 ", " 1.2.3", "1.2.3junk", "9999999999999999999.0.0",
		"(devel)", "vv1.2.3", "one.two",
	};
	bool ok;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (gs_semver_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
		gs_semver_cmp(bad[i], "1.0.0", &ok);
		assert_false(ok);
	}
	assert_true(gs_semver_valid("v0.0.0-20220715151400-c0bba94af5f8"));
	assert_true(gs_semver_valid("v1.36.12-20261002170247-538130002972.2"));
}

static void go_semver(const char *go, const char *want)
{
	char buf[64];
	bool ok = gs_go_semver(go, buf, sizeof(buf));

	if (!want) {
		if (ok)
			fail_msg("%s mapped to %s", go, buf);
		return;
	}
	if (!ok)
		fail_msg("%s: no semver", go);
	assert_string_equal(buf, want);
}

static void test_go_semver(void **state)
{
	char tiny[4];

	(void)state;
	go_semver("go1.21.3", "1.21.3");
	go_semver("go1.20", "1.20.0");
	go_semver("go1", "1.0.0");
	go_semver("go1.21rc2", "1.21.0-rc.2");
	go_semver("go1.9beta1", "1.9.0-beta.1");
	go_semver("go1.21.0 X:loopvar", "1.21.0");
	go_semver("devel go1.22-abc", NULL);
	go_semver("devel +abc", NULL);
	go_semver("go1.20+", NULL);
	go_semver("", NULL);
	assert_false(gs_go_semver("go1.21.3", tiny, sizeof(tiny)));
}

struct skips {
	char files[16][256];
	char why[16][256];
	int n;
};

static void on_skip(void *arg, const char *file, const char *why)
{
	struct skips *s = arg;

	if (s->n < 16) {
		snprintf(s->files[s->n], sizeof(s->files[0]), "%s", file);
		snprintf(s->why[s->n], sizeof(s->why[0]), "%s", why);
	}
	s->n++;
}

static struct gs_osv_db *load_tests(struct skips *sk)
{
	struct gs_err err = { 0 };
	struct gs_osv_db *db = NULL;
	struct stat st;

	gs_require(stat(OSV_DIR "/GOSCOPE-TEST-0001.json", &st) == 0,
		   OSV_DIR " (run from the repository root)");
	memset(sk, 0, sizeof(*sk));
	if (gs_osv_load(OSV_DIR, on_skip, sk, &db, &err))
		fail_msg("load: %s", err.msg);
	assert_non_null(db);
	return db;
}

static void test_load(void **state)
{
	struct gs_osv_stats st;
	struct skips sk;
	struct gs_osv_db *db = load_tests(&sk);

	(void)state;
	gs_osv_stats(db, &st);
	assert_int_equal(st.files, 9);
	assert_int_equal(st.records, 5);	/* 0001-0004, 0006 */
	assert_int_equal(st.withdrawn, 1);
	assert_int_equal(st.skipped, 3);
	assert_int_equal(sk.n, 3);
	/* in name order, each with its file name and a reason */
	assert_string_equal(sk.files[0], OSV_DIR "/bad-noid.json");
	assert_string_equal(sk.files[1], OSV_DIR "/bad-syntax.json");
	assert_string_equal(sk.files[2], OSV_DIR "/bad-version.json");
	assert_non_null(strstr(sk.why[0], "id"));
	assert_non_null(strstr(sk.why[1], "JSON"));
	assert_non_null(strstr(sk.why[2], "one.two"));
	gs_osv_free(db);
}

/* The IDs matched, space-joined, after finish. */
static const char *ids(struct gs_osv_hits *h)
{
	static char buf[512];
	size_t o = 0;

	gs_osv_hits_finish(h);
	buf[0] = '\0';
	for (size_t i = 0; i < h->n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "", h->ids[i]);
	return buf;
}

static const char *match_go(struct gs_osv_db *db, const char *v)
{
	struct gs_osv_hits h = { 0 };
	static char out[512];

	gs_osv_match_go(db, v, &h);
	snprintf(out, sizeof(out), "%s", ids(&h));
	gs_osv_hits_free(&h);
	return out;
}

static const char *match_mod(struct gs_osv_db *db, const char *path, const char *v)
{
	struct gs_osv_hits h = { 0 };
	static char out[512];

	gs_osv_match(db, path, v, &h);
	snprintf(out, sizeof(out), "%s", ids(&h));
	gs_osv_hits_free(&h);
	return out;
}

static void test_match_stdlib(void **state)
{
	struct skips sk;
	struct gs_osv_db *db = load_tests(&sk);

	(void)state;
	/* introduced 0, fixed 1.19.9; introduced 1.20.0, fixed 1.20.4 */
	assert_string_equal(match_go(db, "go1.16"), "GOSCOPE-TEST-0001");
	assert_string_equal(match_go(db, "go1.19.8"), "GOSCOPE-TEST-0001");
	assert_string_equal(match_go(db, "go1.19.8 X:loopvar"), "GOSCOPE-TEST-0001");
	assert_string_equal(match_go(db, "go1.19.9"), "");
	assert_string_equal(match_go(db, "go1.19.13"), "");
	assert_string_equal(match_go(db, "go1.20rc1"), "");
	assert_string_equal(match_go(db, "go1.20"), "GOSCOPE-TEST-0001");
	assert_string_equal(match_go(db, "go1.20.3"), "GOSCOPE-TEST-0001");
	assert_string_equal(match_go(db, "go1.20.4"), "");
	assert_string_equal(match_go(db, "go1.27.3"), "");	/* "toolchain" is ignored */
	assert_string_equal(match_go(db, "devel +abc"), "");
	assert_false(gs_osv_match_go(db, "devel +abc", &(struct gs_osv_hits){ 0 }));
	gs_osv_free(db);
}

static void test_match_modules(void **state)
{
	struct skips sk;
	struct gs_osv_db *db = load_tests(&sk);

	(void)state;
	/* fixed at a pseudo-version */
	assert_string_equal(match_mod(db, "golang.org/x/sys", "v0.0.0-20220715151400-c0bba94af5f8"),
			    "GOSCOPE-TEST-0002");
	assert_string_equal(match_mod(db, "golang.org/x/sys",
				      "v0.0.0-20220908164124-27713097b956"), "");
	assert_string_equal(match_mod(db, "golang.org/x/sys", "v0.49.0"), "");
	/* last_affected is included; the GIT range is ignored */
	assert_string_equal(match_mod(db, "golang.org/x/net", "v0.59.9"), "");
	assert_string_equal(match_mod(db, "golang.org/x/net", "v0.60.0"), "GOSCOPE-TEST-0003");
	assert_string_equal(match_mod(db, "golang.org/x/net", "v0.61.0"), "GOSCOPE-TEST-0003");
	assert_string_equal(match_mod(db, "golang.org/x/net", "v0.61.1"), "");
	/* unknown modules, non-semver versions */
	assert_string_equal(match_mod(db, "golang.org/x/text", "v0.1.0"), "");
	assert_string_equal(match_mod(db, "golang.org/x/sys", "(devel)"), "");
	assert_string_equal(match_mod(db, "golang.org/x/sys", ""), "");
	assert_string_equal(match_mod(db, "stdlib", "v1.19.8"), "GOSCOPE-TEST-0001");
	gs_osv_free(db);
}

static void test_match_modinfo(void **state)
{
	/* as `go version -m` lists them, tabs and all */
	static const char mi[] =
		"path\texample.com/app\n"
		"mod\texample.com/app\t(devel)\t\n"
		"dep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\th1:abc=\n"
		"dep\tgolang.org/x/net\tv0.10.0\th1:def=\n"
		"=>\tgolang.org/x/net\tv0.60.5\th1:ghi=\n"
		"dep\texample.com/goscope/greet\tv0.0.0\n"
		"=>\t../greet\t(devel)\t\n"
		"build\t-compiler=gc\n";
	static const char replaced_away[] =
		"mod\texample.com/app\tv1.0.0\t\n"
		"dep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\th1:abc=\n"
		"=>\texample.com/fork/sys\tv1.0.0\th1:zzz=\n";
	struct gs_osv_hits h = { 0 };
	struct skips sk;
	struct gs_osv_db *db = load_tests(&sk);

	(void)state;
	/* x/sys as listed; x/net as its replacement (0.60.5 is affected, 0.10.0 is not);
	 * greet replaced by a directory: no version, no match */
	gs_osv_match_modinfo(db, mi, sizeof(mi) - 1, &h);
	assert_string_equal(ids(&h), "GOSCOPE-TEST-0002 GOSCOPE-TEST-0003");
	gs_osv_hits_free(&h);
	/* a module replaced by a fork is the fork */
	gs_osv_match_modinfo(db, replaced_away, sizeof(replaced_away) - 1, &h);
	assert_string_equal(ids(&h), "");
	gs_osv_hits_free(&h);
	/* stdlib and modules together, duplicates folded */
	gs_osv_match_go(db, "go1.19.8", &h);
	gs_osv_match_modinfo(db, mi, sizeof(mi) - 1, &h);
	gs_osv_match_modinfo(db, mi, sizeof(mi) - 1, &h);
	assert_string_equal(ids(&h), "GOSCOPE-TEST-0001 GOSCOPE-TEST-0002 GOSCOPE-TEST-0003");
	gs_osv_hits_free(&h);
	/* nothing to match */
	gs_osv_match_modinfo(db, NULL, 0, &h);
	gs_osv_match_modinfo(NULL, mi, sizeof(mi) - 1, &h);
	assert_int_equal(h.n, 0);
	gs_osv_hits_free(&h);
	gs_osv_free(db);
}

/* A scratch directory with files written by the test. */
static char *scratch(void)
{
	char *d = strdup("/tmp/goscope-osv.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void cleanup(char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void test_hostile_dir(void **state)
{
	struct gs_err err = { 0 };
	struct gs_osv_db *db = NULL;
	struct gs_osv_stats st;
	struct skips sk = { 0 };
	char *dir = scratch(), path[600];
	FILE *f;

	(void)state;
	/* a FIFO must not block the load; a directory named *.json is skipped */
	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/dir.json", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	/* larger than the record cap */
	snprintf(path, sizeof(path), "%s/huge.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 5 << 20), 0);
	fclose(f);
	put(dir, "array.json", "[1, 2, 3]");
	put(dir, "empty.json", "");
	put(dir, "dup.json", "{\"id\": \"A\", \"id\": \"B\"}");
	put(dir, "badtype.json", "{\"id\": \"X\", \"affected\": {}}");
	put(dir, "nopkg.json", "{\"id\": \"Y\", \"affected\": [{\"ranges\": []}]}");
	put(dir, "events.json", "{\"id\": \"Z\", \"affected\": [{\"package\": {\"name\": \"m\"}, "
				"\"ranges\": [{\"type\": \"SEMVER\", \"events\": "
				"[{\"fixed\": 1}]}]}]}");
	put(dir, "twokeys.json", "{\"id\": \"W\", \"affected\": [{\"package\": {\"name\": \"m\"}, "
				 "\"ranges\": [{\"type\": \"SEMVER\", \"events\": "
				 "[{\"introduced\": \"0\", \"fixed\": \"1.0.0\"}]}]}]}");
	put(dir, "good.json", "{\"id\": \"OK-1\", \"affected\": [{\"package\": {\"name\": \"m\", "
			      "\"ecosystem\": \"Go\"}, \"ranges\": [{\"type\": \"SEMVER\", "
			      "\"events\": [{\"introduced\": \"0\"}]}]}]}");
	put(dir, "noaffected.json", "{\"id\": \"OK-2\"}");
	put(dir, ".hidden.json", "not even JSON");
	put(dir, "notes.txt", "not even JSON");
	assert_int_equal(gs_osv_load(dir, on_skip, &sk, &db, &err), 0);
	gs_osv_stats(db, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.skipped, 10);
	assert_int_equal(sk.n, 10);
	assert_string_equal(match_mod(db, "m", "v9.9.9"), "OK-1");
	gs_osv_free(db);
	cleanup(dir);

	/* a directory that does not exist is an error, not an empty database */
	assert_int_equal(gs_osv_load("/nonexistent/osv", NULL, NULL, &db, &err), -1);
	assert_null(db);
	assert_int_equal(err.code, ENOENT);
	gs_osv_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semver_order),
		cmocka_unit_test(test_semver_invalid),
		cmocka_unit_test(test_go_semver),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_match_stdlib),
		cmocka_unit_test(test_match_modules),
		cmocka_unit_test(test_match_modinfo),
		cmocka_unit_test(test_hostile_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
