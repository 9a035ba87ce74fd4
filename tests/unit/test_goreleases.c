/* SPDX-License-Identifier: MIT */
/*
 * Go versions and the release table: parsing of what binaries carry,
 * ordering, the table's own consistency, and the support rule evaluated
 * against the table's newest release (go1.27.x): go1.27 and go1.26 are
 * supported, go1.25 and older are not, anything newer is unknown.
 */
#include "testlib.h"

#include <string.h>

#include "goreleases.h"

static struct gs_gover P(const char *s)
{
	struct gs_gover v;

	if (!gs_gover_parse(s, &v))
		fail_msg("gs_gover_parse(\"%s\") failed", s);
	return v;
}

static void expect(const char *s, unsigned minor, unsigned patch, enum gs_gover_kind kind,
		   unsigned pre)
{
	struct gs_gover v = P(s);

	if (v.minor != minor || v.patch != patch || v.kind != kind || v.pre != pre)
		fail_msg("%s: got minor %u patch %u kind %d pre %u", s, v.minor, v.patch, v.kind,
			 v.pre);
}

static void test_parse(void **state)
{
	(void)state;
	expect("go1.21.3", 21, 3, GS_GOVER_RELEASE, 0);
	expect("go1.20", 20, 0, GS_GOVER_RELEASE, 0);
	expect("go1.21.0", 21, 0, GS_GOVER_RELEASE, 0);
	expect("go1", 0, 0, GS_GOVER_RELEASE, 0);
	expect("go1.0.3", 0, 3, GS_GOVER_RELEASE, 0);
	expect("go1.9beta2", 9, 0, GS_GOVER_BETA, 2);
	expect("go1.21rc1", 21, 0, GS_GOVER_RC, 1);
	expect("go1.21.0 X:loopvar", 21, 0, GS_GOVER_RELEASE, 0);
	expect("go1.23.1 X:nocoverageredesign", 23, 1, GS_GOVER_RELEASE, 0);
	expect("go1.21.0-X:boringcrypto", 21, 0, GS_GOVER_RELEASE, 0);
	expect("go1.20.10 (Red Hat 1.20.10-1.el9)", 20, 10, GS_GOVER_RELEASE, 0);
	expect("go1.16.15b7", 16, 15, GS_GOVER_RELEASE, 0);
	/* toolchains cut from a branch, and development builds */
	expect("go1.25-20250209-RC00 cl/724970549 +ff27d270c9 X:fieldtrack,boringcrypto", 25, 0,
	       GS_GOVER_DEVEL, 0);
	expect("devel go1.22-c5bd341e Tue Aug 1 18:00:00 2023 +0000", 22, 0, GS_GOVER_DEVEL, 0);
	expect("devel go1.28-abc123", 28, 0, GS_GOVER_DEVEL, 0);
	assert_true(P("go1.21.3").has_patch);
	assert_false(P("go1.21").has_patch);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "go", "go2", "go2.1", "go1.", "go1.x", "go1.21.", "go1.21.3x", "go1.21beta",
		"go1.21rc", "go1.21.3rc1", "go12.1", "go1.12345", "go1.2.99999", "1.21.3",
		"devel +abc123 Tue Aug 1 2023", "devel", "Go1.21", " go1.21", "go1.21\n",
		"go1.16.15b",
		"go1.16b7", "weekly.2012-03-04",
	};
	struct gs_gover v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gs_gover_parse(bad[i], &v))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(gs_gover_parse(NULL, &v));
}

static void test_parse_strict(void **state)
{
	static const char *const good[] = { "go1.22.4", "1.22.4", "go1.22", "go1.22rc1",
					    "go1.9beta2", "go1", "go1.0.3" };
	static const char *const bad[] = { "banana", "", "go1.22.", "go1.x", "go1.22.4 X:loopvar",
					   "go1.22-devel", "devel go1.22-abc", "v1.22.4", "go2",
					   "go1.22.4\n", "go1.22.4.1", "gogo1.22", "-1.22" };
	struct gs_gover v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!gs_gover_parse_strict(good[i], &v))
			fail_msg("rejected \"%s\"", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gs_gover_parse_strict(bad[i], &v))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(gs_gover_parse_strict(NULL, &v));
	assert_true(gs_gover_parse_strict("1.22.4", &v));
	assert_int_equal(v.minor, 22);
	assert_int_equal(v.patch, 4);
}

static void test_order(void **state)
{
	/* ascending; neighbours marked '=' compare equal */
	static const char *const order[] = {
		"go1", "go1.0.1", "go1.9beta1", "go1.9beta2", "go1.9rc1", "go1.9", "go1.9.1",
		"go1.10", "devel go1.21-abc", "go1.21rc1", "go1.21rc2", "go1.21.0", "=go1.21",
		"go1.21.1", "go1.21.10", "go1.22-20231128-RC02", "go1.22.0 X:loopvar", "go1.27.3",
		"go1.28rc1",
	};
	struct gs_gover prev = P(order[0]);

	(void)state;
	for (size_t i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
		bool eq = order[i][0] == '=';
		struct gs_gover cur = P(order[i] + eq);
		int c = gs_gover_cmp(&prev, &cur);

		if (eq ? c != 0 : c >= 0)
			fail_msg("%s vs %s: %d", order[i - 1], order[i], c);
		assert_int_equal(gs_gover_cmp(&cur, &prev), eq ? 0 : 1);
		assert_int_equal(gs_gover_cmp(&cur, &cur), 0);
		prev = cur;
	}
}

static void check_format(const char *in, const char *want)
{
	struct gs_gover v = P(in);
	char buf[32];

	gs_gover_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_format(void **state)
{
	(void)state;
	check_format("go1.21.3", "go1.21.3");
	check_format("go1.21.0 X:loopvar", "go1.21.0");
	check_format("go1.20", "go1.20");
	check_format("go1.21rc2", "go1.21rc2");
	check_format("go1.9beta1", "go1.9beta1");
	check_format("devel go1.22-abc", "go1.22-devel");
}

static bool valid_date(const char *d)
{
	int y, m, day;
	char tail;

	return strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &tail) == 3 &&
	       y >= 2012 && y <= 2030 && m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

/* Strictly ascending, every major from go1 to go1.27 with patches 0..N without gaps. */
static void test_table(void **state)
{
	size_t n;
	const struct gs_gorelease *t = gs_goreleases(&n);
	const struct gs_gorelease *newest = gs_gorelease_newest();
	char name[32];

	(void)state;
	assert_true(n > 250);
	assert_int_equal(t[0].minor, 0);
	assert_int_equal(t[0].patch, 0);
	for (size_t i = 0; i < n; i++) {
		if (!valid_date(t[i].date))
			fail_msg("go1.%u.%u: bad date %s", t[i].minor, t[i].patch, t[i].date);
		if (!i)
			continue;
		if (t[i].minor == t[i - 1].minor) {
			if (t[i].patch != t[i - 1].patch + 1)
				fail_msg("go1.%u: patch %u follows %u", t[i].minor, t[i].patch,
					 t[i - 1].patch);
			if (strcmp(t[i].date, t[i - 1].date) < 0)
				fail_msg("go1.%u.%u released before its predecessor", t[i].minor,
					 t[i].patch);
		} else {
			if (t[i].minor != t[i - 1].minor + 1 || t[i].patch != 0)
				fail_msg("go1.%u.%u follows go1.%u.%u", t[i].minor, t[i].patch,
					 t[i - 1].minor, t[i - 1].patch);
			/* majors come in order */
			if (t[i].minor > 0) {
				struct gs_gover prev = { .minor = t[i].minor - 1,
							 .kind = GS_GOVER_RELEASE };
				const struct gs_gorelease *p = gs_gorelease_find(&prev);

				assert_non_null(p);
				if (strcmp(t[i].date, p->date) <= 0)
					fail_msg("go1.%u released before go1.%u", t[i].minor,
						 t[i].minor - 1);
			}
		}
	}
	assert_ptr_equal(newest, &t[n - 1]);
	assert_int_equal(newest->minor, 27);
	assert_true(newest->patch >= 3);

	gs_gorelease_name(&t[0], name, sizeof(name));
	assert_string_equal(name, "go1");
	{
		struct gs_gover v = P("go1.20");
		const struct gs_gorelease *r = gs_gorelease_find(&v);

		assert_non_null(r);
		gs_gorelease_name(r, name, sizeof(name));
		assert_string_equal(name, "go1.20");
		assert_string_equal(r->date, "2023-02-01");
	}
	{
		struct gs_gover v = P("go1.21.0");
		const struct gs_gorelease *r = gs_gorelease_find(&v);

		assert_non_null(r);
		gs_gorelease_name(r, name, sizeof(name));
		assert_string_equal(name, "go1.21.0");
		assert_string_equal(r->date, "2023-08-08");
	}
	{
		struct gs_gover v = P("go1.19.8");
		const struct gs_gorelease *r = gs_gorelease_find(&v);

		assert_non_null(r);
		assert_string_equal(r->date, "2023-04-04");
		v = P("go1.21rc2");
		assert_null(gs_gorelease_find(&v));
		v = P("go1.19.99");
		assert_null(gs_gorelease_find(&v));
	}
	gs_gorelease_name(gs_gorelease_latest(19), name, sizeof(name));
	assert_string_equal(name, "go1.19.13");
	gs_gorelease_name(gs_gorelease_latest(16), name, sizeof(name));
	assert_string_equal(name, "go1.16.15");
	assert_null(gs_gorelease_latest(28));
	/* every version the corpus and fixtures carry is in the table */
	for (const char *const *v = (const char *const[]){ "go1.16", "go1.17.2", "go1.19.3",
							    "go1.19.8", "go1.20.12", "go1.27.3",
							    NULL }; *v; v++) {
		struct gs_gover g = P(*v);

		if (!gs_gorelease_find(&g))
			fail_msg("%s not in the table", *v);
	}
}

static void support(const char *v, enum gs_support want)
{
	enum gs_support got = gs_go_support(v);

	if (got != want)
		fail_msg("%s: %s, want %s", v ? v : "(null)", gs_support_str(got),
			 gs_support_str(want));
}

static void test_support(void **state)
{
	(void)state;
	support("go1.27.3", GS_SUPPORTED);
	support("go1.27.0", GS_SUPPORTED);
	support("go1.27.3 X:loopvar", GS_SUPPORTED);
	support("go1.26.0", GS_SUPPORTED);
	support("go1.26.5", GS_SUPPORTED);
	support("go1.26.11", GS_SUPPORTED);
	support("go1.26.30", GS_SUPPORTED);	/* not in the table, but not newer than it */
	support("go1.25.0", GS_UNSUPPORTED);
	support("go1.25", GS_UNSUPPORTED);
	support("go1.25.14", GS_UNSUPPORTED);
	support("go1.19.8", GS_UNSUPPORTED);
	support("go1.20.12", GS_UNSUPPORTED);
	support("go1", GS_UNSUPPORTED);
	support("go1.16", GS_UNSUPPORTED);
	/* newer than the table */
	support("go1.28.0", GS_SUPPORT_UNKNOWN);
	support("go1.27.99", GS_SUPPORT_UNKNOWN);
	support("go1.28rc1", GS_SUPPORT_UNKNOWN);
	support("devel go1.28-abc", GS_SUPPORT_UNKNOWN);
	support("go1.40.1", GS_SUPPORT_UNKNOWN);
	/* prereleases and development builds of released majors */
	support("go1.27rc1", GS_UNSUPPORTED);
	support("devel go1.27-abc", GS_UNSUPPORTED);
	support("go1.25-20250209-RC00 cl/724970549 +ff27d270c9 X:fieldtrack,boringcrypto",
		GS_UNSUPPORTED);
	/* no version to judge */
	support("devel +abc123 Tue Aug 1 2023", GS_SUPPORT_UNKNOWN);
	support("go1.20+", GS_SUPPORT_UNKNOWN);
	support("", GS_SUPPORT_UNKNOWN);
	support(NULL, GS_SUPPORT_UNKNOWN);
	assert_string_equal(gs_support_str(GS_SUPPORTED), "supported");
	assert_string_equal(gs_support_str(GS_UNSUPPORTED), "unsupported");
	assert_string_equal(gs_support_str(GS_SUPPORT_UNKNOWN), "unknown");
}

static void test_end_of_support(void **state)
{
	(void)state;
	assert_string_equal(gs_gorelease_end_of_support(19), "2023-08-08");	/* go1.21.0 */
	assert_string_equal(gs_gorelease_end_of_support(25), "2026-08-19");	/* go1.27.0 */
	assert_null(gs_gorelease_end_of_support(26));
	assert_null(gs_gorelease_end_of_support(27));
	assert_null(gs_gorelease_end_of_support(99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_support),
		cmocka_unit_test(test_end_of_support),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
