/* SPDX-License-Identifier: MIT */
/*
 * The command line's one rule (user/cliopt.c): options anywhere, the global
 * ones taken out unless the command defines the same letter or name, "--"
 * ends the options, a negative number is an operand, a missing value is an
 * error rather than a stolen operand. cliopt.c is CLI code (it sets
 * gs_opts), so it is compiled into this test itself.
 */
#include "testlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cliopt.c"

struct gs_global_opts gs_opts;

/* The usage error gs_getopt_error words, kept here instead of printed. */
static char usage_msg[256];

int gs_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	(void)cmd;
	va_start(ap, fmt);
	vsnprintf(usage_msg, sizeof(usage_msg), fmt, ap);
	va_end(ap);
	return 2;
}

#define ARGV(...)                                                        \
	char *argv[] = { __VA_ARGS__, NULL };                             \
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1

enum { L_DUR = 300, L_ALL };

static const struct option longs[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "all", no_argument, NULL, L_ALL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void reset(void)
{
	memset(&gs_opts, 0, sizeof(gs_opts));
	optind = 0;
}

static void operands(char **argv, int argc, const char *const *want, int n)
{
	assert_int_equal(argc - optind, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[optind + i], want[i]);
}

static void test_permute(void **state)
{
	static const char *const want[] = { "a", "b", "-c", "--json" };
	ARGV("probe", "a", "-j", "-d", "5", "b", "--all", "-v", "--", "-c", "--json");

	(void)state;
	reset();
	assert_int_equal(gs_getopt(argc, argv, "d:h", longs), 'd');
	assert_string_equal(optarg, "5");
	assert_int_equal(gs_getopt(argc, argv, "d:h", longs), L_ALL);
	assert_int_equal(gs_getopt(argc, argv, "d:h", longs), -1);
	assert_int_equal(gs_getopt(argc, argv, "d:h", longs), -1);	/* stays done */
	assert_true(gs_opts.json);
	assert_int_equal(gs_opts.verbose, 1);
	operands(argv, argc, want, 4);
}

static void test_clusters_and_values(void **state)
{
	static const char *const want[] = { "1" };
	ARGV("probe", "1", "-jvd5", "--dur=2s", "--pretty");

	(void)state;
	reset();
	assert_int_equal(gs_getopt(argc, argv, "d:h", longs), 'd');
	assert_string_equal(optarg, "5");
	assert_int_equal(gs_getopt(argc, argv, "d:h", longs), 'd');	/* a unique prefix */
	assert_string_equal(optarg, "2s");
	assert_int_equal(gs_getopt(argc, argv, "d:h", longs), -1);
	assert_true(gs_opts.json && gs_opts.pretty);
	assert_int_equal(gs_opts.verbose, 1);
	operands(argv, argc, want, 1);
}

static void test_negative_numbers(void **state)
{
	static const char *const want[] = { "42", "-5" };
	ARGV("setgc", "42", "-5", "-j");

	(void)state;
	reset();
	assert_int_equal(gs_getopt(argc, argv, "h", longs), -1);
	assert_true(gs_opts.json);
	operands(argv, argc, want, 2);
}

static void test_own_letters_win(void **state)
{
	static const struct option own[] = {
		{ "verbose", no_argument, NULL, 'V' },	/* the command's own --verbose */
		{ NULL, 0, NULL, 0 },
	};
	ARGV("cmd", "-v", "x", "--verbose", "-p", "-j");

	(void)state;
	reset();
	/* -v and -p are the command's letters here; --verbose its own name */
	assert_int_equal(gs_getopt(argc, argv, "vp:", own), 'v');
	assert_int_equal(gs_getopt(argc, argv, "vp:", own), 'V');
	assert_int_equal(gs_getopt(argc, argv, "vp:", own), 'p');
	assert_string_equal(optarg, "-j");
	assert_int_equal(gs_getopt(argc, argv, "vp:", own), -1);
	assert_int_equal(gs_opts.verbose, 0);
	assert_false(gs_opts.json || gs_opts.pretty);
	assert_string_equal(argv[optind], "x");
}

static void test_missing_value_and_unknown(void **state)
{
	(void)state;
	{
		ARGV("probe", "1", "-d");

		reset();
		assert_int_equal(gs_getopt(argc, argv, "d:h", longs), '?');
		assert_int_equal(optopt, 'd');
		assert_string_equal(argv[optind - 1], "-d");
	}
	{
		ARGV("probe", "1", "--duration");

		reset();
		assert_int_equal(gs_getopt(argc, argv, "d:h", longs), '?');
		assert_int_equal(optopt, 'd');
		assert_string_equal(argv[optind - 1], "--duration");
	}
	{
		ARGV("probe", "1", "--frob");

		reset();
		assert_int_equal(gs_getopt(argc, argv, "d:h", longs), '?');
		assert_int_equal(optopt, 0);
		assert_string_equal(argv[optind - 1], "--frob");
	}
	{
		ARGV("tree", "--help", "-j");

		reset();
		assert_int_equal(gs_getopt(argc, argv, "", NULL), 'h');	/* global --help */
	}
}

static void test_global_option_by_name(void **state)
{
	(void)state;
	reset();
	assert_true(gs_global_option("-j"));
	assert_true(gs_global_option("--verbose"));
	assert_true(gs_global_option("-v"));
	assert_false(gs_global_option("-h"));	/* a command's own help */
	assert_false(gs_global_option("--jsonx"));
	assert_false(gs_global_option("-x"));
	assert_true(gs_opts.json);
	assert_int_equal(gs_opts.verbose, 2);
}

/* getopt's '?' -> its words: unknown, needs a value, takes no value; short and long, grouped. */
static void expect_error(char **argv, int argc, const char *shorts, const char *want)
{
	int c;

	reset();
	usage_msg[0] = '\0';
	while ((c = gs_getopt(argc, argv, shorts, longs)) != -1 && c != '?')
		;
	assert_int_equal(c, '?');
	assert_int_equal(gs_getopt_error("probe", argv), 2);
	assert_string_equal(usage_msg, want);
}

static void test_error_words(void **state)
{
	(void)state;
	{
		ARGV("probe", "1", "-d");
		expect_error(argv, argc, "d:h", "option '-d' needs a value");
	}
	{
		ARGV("probe", "--duration");
		expect_error(argv, argc, "d:h", "option '--duration' needs a value");
	}
	{
		ARGV("probe", "--all=yes", "1");
		expect_error(argv, argc, "d:h", "option '--all' takes no value");
	}
	{
		ARGV("probe", "--frob");
		expect_error(argv, argc, "d:h", "unknown option '--frob'");
	}
	{
		/* mid-group, after a long option: the letter, not the element before */
		ARGV("probe", "--all", "-jx", "1");
		expect_error(argv, argc, "d:h", "unknown option '-x'");
	}
	{
		ARGV("probe", "-x");
		expect_error(argv, argc, "d:h", "unknown option '-x'");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permute),
		cmocka_unit_test(test_clusters_and_values),
		cmocka_unit_test(test_negative_numbers),
		cmocka_unit_test(test_own_letters_win),
		cmocka_unit_test(test_missing_value_and_unknown),
		cmocka_unit_test(test_global_option_by_name),
		cmocka_unit_test(test_error_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
