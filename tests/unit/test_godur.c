/* SPDX-License-Identifier: MIT */
/*
 * Durations: Go's time.ParseDuration and Duration.String, ps' elapsed time,
 * and the one reading of every duration option (a Go duration or plain
 * seconds, negative or out of range refused with a clear error); sizes
 * (bytesize: 256M, 1GiB) beside them.
 */
#include "testlib.h"

#include <errno.h>
#include <string.h>

#include "bytesize.h"
#include "godur.h"

/* ---- Go durations (time.ParseDuration) ---- */

static void dur(const char *s, int64_t want)
{
	struct gs_err err = { 0 };
	int64_t ns = 0;

	if (gs_parse_go_duration(s, &ns, &err))
		fail_msg("\"%s\": %s", s, err.msg);
	if (ns != want)
		fail_msg("\"%s\": got %lld, want %lld", s, (long long)ns, (long long)want);
}

static void test_go_duration(void **state)
{
	static const char *const bad[] = { "", "-", "+", "1", "s", ".s", "1.2.3s", "1x", "1 s",
					   "1s ", "3000000h", "9223372036854775808ns", "1e3s" };
	struct gs_err err = { 0 };
	int64_t ns;

	dur("0", 0);
	dur("-0", 0);
	dur("1s", GS_NS_PER_SEC);
	dur("1.5s", 1500000000);
	dur(".5s", 500000000);
	dur("1.s", GS_NS_PER_SEC);
	dur("300ms", 300000000);
	dur("-1.5h", -5400LL * GS_NS_PER_SEC);
	dur("2h45m", 9900LL * GS_NS_PER_SEC);
	dur("1h2m3s4ms5us6ns", 3723004005006LL);
	dur("1\xc2\xb5s", 1000);
	dur("1\xce\xbcs", 1000);
	dur("9223372036854775807ns", INT64_MAX);
	dur("-9223372036854775808ns", INT64_MIN);
	dur("0.000000001s", 1);
	dur("1.0000000000000000000001s", GS_NS_PER_SEC);	/* digits past any precision */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gs_parse_go_duration(bad[i], &ns, &err) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(gs_parse_go_duration("1x", &ns, &err), -1);
	assert_non_null(strstr(err.msg, "unknown unit"));
	assert_int_equal(gs_parse_go_duration("1", &ns, &err), -1);
	assert_non_null(strstr(err.msg, "missing unit"));

	/* gops' period: a duration, else whole seconds */
	assert_int_equal(gs_parse_period("5", &ns, &err), 0);
	assert_int_equal(ns, 5 * GS_NS_PER_SEC);
	assert_int_equal(gs_parse_period("-2", &ns, &err), 0);
	assert_int_equal(ns, -2 * GS_NS_PER_SEC);
	assert_int_equal(gs_parse_period("250ms", &ns, &err), 0);
	assert_int_equal(ns, 250000000);
	assert_int_equal(gs_parse_period("5x", &ns, &err), -1);
	assert_int_equal(gs_parse_period("99999999999999", &ns, &err), -1);
	assert_int_equal(gs_parse_period("", &ns, &err), -1);
}

/* ---- sizes (--max-size, --max-binary) ---- */

static void test_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "1", 1 }, { "65536", 65536 }, { "4K", 4096 }, { "4k", 4096 }, { "4KiB", 4096 },
		{ "4kb", 4096 }, { "4KB", 4096 }, { "256M", 256u << 20 }, { "1GiB", 1u << 30 },
		{ "2T", 2ull << 40 }, { "100B", 100 }, { "4Mi", 4u << 20 }, { "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = { "", "0", "0K", "-1", "+1", " 1", "1 ", "1.5M", "1X",
					   "1MiBB", "1b", "K", "1e3", "0x10" };
	struct gs_err err = { 0 };
	char b[32];
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (gs_parse_size(good[i].s, UINT64_MAX, &v, &err))
			fail_msg("\"%s\": %s", good[i].s, err.msg);
		if (v != good[i].v)
			fail_msg("\"%s\": got %llu", good[i].s, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gs_parse_size(bad[i], UINT64_MAX, &v, &err) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	/* Overflow in the digits or by the unit, and over the caller's limit. */
	assert_int_equal(gs_parse_size("18446744073709551616", UINT64_MAX, &v, &err), -1);
	assert_int_equal(err.code, ERANGE);
	assert_int_equal(gs_parse_size("16777216T", UINT64_MAX, &v, &err), -1);
	assert_int_equal(err.code, ERANGE);
	assert_int_equal(gs_parse_size("2G", 1u << 30, &v, &err), -1);
	assert_int_equal(err.code, ERANGE);
	assert_string_equal(err.msg, "size \"2G\" is larger than 1GiB");
	assert_int_equal(gs_parse_size("1G", 1u << 30, &v, &err), 0);

	gs_fmt_size(256u << 20, b, sizeof(b));
	assert_string_equal(b, "256MiB");
	gs_fmt_size(1u << 30, b, sizeof(b));
	assert_string_equal(b, "1GiB");
	gs_fmt_size(1536, b, sizeof(b));
	assert_string_equal(b, "1536 bytes");
	gs_fmt_size(1, b, sizeof(b));
	assert_string_equal(b, "1 byte");
	gs_fmt_size(3u << 10, b, sizeof(b));
	assert_string_equal(b, "3KiB");
}

static void fmt(int64_t ns, const char *want)
{
	char b[64];

	gs_fmt_go_duration(ns, b, sizeof(b));
	if (strcmp(b, want) != 0)
		fail_msg("%lld: got %s, want %s", (long long)ns, b, want);
}

static void test_go_duration_string(void **state)
{
	char b[16];

	fmt(0, "0s");
	fmt(1, "1ns");
	fmt(999, "999ns");
	fmt(1000, "1\xc2\xb5s");
	fmt(1500, "1.5\xc2\xb5s");
	fmt(1000000, "1ms");
	fmt(500000000, "500ms");
	fmt(1234567, "1.234567ms");
	fmt(GS_NS_PER_SEC, "1s");
	fmt(1500000000, "1.5s");
	fmt(60 * GS_NS_PER_SEC, "1m0s");
	fmt(90 * GS_NS_PER_SEC, "1m30s");
	fmt(3600 * GS_NS_PER_SEC, "1h0m0s");
	fmt(3723 * GS_NS_PER_SEC + 4, "1h2m3.000000004s");
	fmt(-1500000000, "-1.5s");
	fmt(INT64_MIN, "-2562047h47m16.854775808s");
	fmt(INT64_MAX, "2562047h47m16.854775807s");

	gs_fmt_etime(0, b, sizeof(b));
	assert_string_equal(b, "00:00");
	gs_fmt_etime(59, b, sizeof(b));
	assert_string_equal(b, "00:59");
	gs_fmt_etime(3599, b, sizeof(b));
	assert_string_equal(b, "59:59");
	gs_fmt_etime(2 * 3600 + 42 * 60 + 12, b, sizeof(b));
	assert_string_equal(b, "02:42:12");
	gs_fmt_etime(86400, b, sizeof(b));
	assert_string_equal(b, "01-00:00:00");
	gs_fmt_etime(100 * 86400 + 1, b, sizeof(b));
	assert_string_equal(b, "100-00:00:01");
}

/* ---- command-line durations: Go durations or plain seconds ---- */

static void opt(const char *s, uint64_t want)
{
	struct gs_err err = { 0 };
	uint64_t ns = 12345;
	int64_t sns = 0;

	if (gs_parse_duration(s, &ns, &err))
		fail_msg("\"%s\": %s", s, err.msg);
	if (ns != want)
		fail_msg("\"%s\": got %llu, want %llu", s, (unsigned long long)ns,
			 (unsigned long long)want);
	/* The signed reading agrees wherever both accept. */
	if (gs_parse_period(s, &sns, &err) || (uint64_t)sns != want)
		fail_msg("\"%s\": gs_parse_period disagrees", s);
}

static void opt_bad(const char *s, int code, const char *words)
{
	struct gs_err err = { 0 };
	uint64_t ns = 777;

	if (gs_parse_duration(s, &ns, &err) == 0)
		fail_msg("accepted \"%s\" as %llu ns", s, (unsigned long long)ns);
	if (err.code != code)
		fail_msg("\"%s\": code %d, want %d (%s)", s, err.code, code, err.msg);
	if (!strstr(err.msg, words))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err.msg, words);
	assert_int_equal(ns, 777);	/* nothing written on failure */
}

static void test_option_duration(void **state)
{
	(void)state;
	/* Go durations */
	opt("1.5s", 1500000000);
	opt("300ms", 300000000);
	opt("1m30s", 90 * GS_NS_PER_SEC);
	opt("2h45m", 9900ull * GS_NS_PER_SEC);
	opt("10us", 10000);
	opt("0s", 0);
	opt("+1s", GS_NS_PER_SEC);
	/* plain seconds, with a fraction too */
	opt("5", 5 * GS_NS_PER_SEC);
	opt("0", 0);
	opt("0.5", 500000000);
	opt(".25", 250000000);
	opt("2.", 2 * GS_NS_PER_SEC);
	opt("0.000000001", 1);
	opt("86400", 86400ull * GS_NS_PER_SEC);
	opt("9223372036", 9223372036ull * GS_NS_PER_SEC);
	opt("-0", 0);		/* zero is zero, whatever its sign */

	/* bad text: Go's words */
	opt_bad("", EINVAL, "invalid duration");
	opt_bad("x", EINVAL, "invalid duration");
	opt_bad(".", EINVAL, "invalid duration");
	opt_bad("5x", EINVAL, "unknown unit");
	opt_bad("1 s", EINVAL, "unknown unit");
	opt_bad("1s ", EINVAL, "unknown unit");
	opt_bad("5 ", EINVAL, "unknown unit");
	opt_bad("1.2.3", EINVAL, "missing unit");
	opt_bad("1m30", EINVAL, "missing unit");	/* a bare number only on its own */
	opt_bad("1e3", EINVAL, "unknown unit");		/* no exponents, no strtod syntax */
	opt_bad("0x10", EINVAL, "unknown unit");
	opt_bad("inf", EINVAL, "invalid duration");
	opt_bad("nan", EINVAL, "invalid duration");
	opt_bad("--1", EINVAL, "invalid duration");
	/* negative */
	opt_bad("-1s", EINVAL, "negative duration");
	opt_bad("-0.5", EINVAL, "negative duration");
	opt_bad("-1", EINVAL, "negative duration");
	/* out of range, in both forms */
	opt_bad("9223372037", ERANGE, "out of range");
	opt_bad("99999999999999", ERANGE, "out of range");
	opt_bad("3000000h", ERANGE, "out of range");
	opt_bad("18446744073709551616", ERANGE, "out of range");
	opt_bad("9223372036854775808ns", ERANGE, "out of range");
}

static void test_period(void **state)
{
	struct gs_err err = { 0 };
	int64_t ns;

	(void)state;
	/* Negative periods parse: the caller answers them in gops' words. */
	assert_int_equal(gs_parse_period("-2", &ns, &err), 0);
	assert_int_equal(ns, -2 * GS_NS_PER_SEC);
	assert_int_equal(gs_parse_period("-1.5", &ns, &err), 0);
	assert_int_equal(ns, -1500000000);
	assert_int_equal(gs_parse_period("-1s", &ns, &err), 0);
	assert_int_equal(ns, -GS_NS_PER_SEC);
	assert_int_equal(gs_parse_period("-9223372036", &ns, &err), 0);
	assert_int_equal(gs_parse_period("-9223372037", &ns, &err), -1);
	assert_int_equal(err.code, ERANGE);
	/* Go durations alone still want their units. */
	assert_int_equal(gs_parse_go_duration("5", &ns, &err), -1);
	assert_non_null(strstr(err.msg, "missing unit"));
	/* Long input is quoted, cut, in the message. */
	{
		char longs[300];

		memset(longs, 'z', sizeof(longs) - 1);
		longs[sizeof(longs) - 1] = '\0';
		assert_int_equal(gs_parse_period(longs, &ns, &err), -1);
		assert_true(strlen(err.msg) < 120);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_duration),
		cmocka_unit_test(test_go_duration_string),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_option_duration),
		cmocka_unit_test(test_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
