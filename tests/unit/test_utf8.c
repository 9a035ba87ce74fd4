/* SPDX-License-Identifier: MIT */
/*
 * The one JSON string rule (user/lib/utf8.h): valid UTF-8 kept, each byte
 * of an invalid sequence a '?', the same at every chunk boundary; checked
 * against jansson's own UTF-8 check over every short byte string.
 */
#include "testlib.h"

#include <jansson.h>
#include <string.h>

#include "utf8.h"

/* The whole of in, fed in chunks of `step` bytes. */
static size_t repair(const char *in, size_t n, size_t step, char *out)
{
	struct gs_utf8 u = { 0 };
	size_t o = 0;

	for (size_t i = 0; i < n; i += step) {
		size_t take = n - i < step ? n - i : step;

		o += gs_utf8_chunk(&u, in + i, take, out + o);
	}
	o += gs_utf8_end(&u, out + o);
	return o;
}

static void check(const char *in, size_t n, const char *want)
{
	char out[GS_UTF8_OUT(256)];

	assert_true(n <= 256);
	for (size_t step = 1; step <= n + 1; step++) {
		size_t o = repair(in, n, step, out);

		assert_int_equal(o, n);
		assert_memory_equal(out, want, n);
	}
	assert_int_equal(gs_utf8_fix(in, n, out), n);
	assert_memory_equal(out, want, n);
	/* in place */
	memcpy(out, in, n);
	assert_int_equal(gs_utf8_fix(out, n, out), n);
	assert_memory_equal(out, want, n);
	assert_int_equal(gs_utf8_valid(in, n), memcmp(in, want, n) == 0);
}

/* Literals may hold NUL bytes: their length is what sizeof says. */
#define CHECK(in, want)                                          \
	do {                                                     \
		assert_int_equal(sizeof(in), sizeof(want));      \
		check(in, sizeof(in) - 1, want);                 \
	} while (0)

static void test_valid_text_is_kept(void **state)
{
	(void)state;
	CHECK("plain ASCII, tab\t, newline\n", "plain ASCII, tab\t, newline\n");
	/* 2, 3 and 4 bytes; the edges: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF */
	CHECK("café € \xf0\x9d\x84\x9e", "café € \xf0\x9d\x84\x9e");
	CHECK("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
	      "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
	/* NUL is a character; C1 controls are valid UTF-8 (the terminal filter's business) */
	CHECK("a\0b\xc2\x9b", "a\0b\xc2\x9b");
}

static void test_each_bad_byte_is_a_question_mark(void **state)
{
	(void)state;
	/* bytes that never start a sequence: continuation, c0/c1, f5-ff */
	CHECK("a\x80z\xbf\xc0\xc1\xf5\xff", "a?z?????");
	/* overlong forms, surrogates, above U+10FFFF: every byte */
	CHECK("\xc0\xaf|\xe0\x80\xaf|\xf0\x80\x80\xaf", "??|???|????");
	CHECK("\xed\xa0\x80|\xed\xbf\xbf", "???|???");
	CHECK("\xf4\x90\x80\x80|\xf7\xbf\xbf\xbf", "????|????");
	/* Latin-1, as a file name might be */
	CHECK("caf\xe9 na\xefve", "caf? na?ve");
}

static void test_a_broken_sequence_never_swallows_the_next(void **state)
{
	(void)state;
	CHECK("\xe2\x82" "é", "??é");
	CHECK("\xe2\x82" "A", "??A");
	CHECK("\xf0\x9d\x84" "\xf0\x9d\x84\x9e", "???\xf0\x9d\x84\x9e");
	CHECK("\xc3\xc3\xa9", "?é");
	/* cut off at the end */
	CHECK("end\xc3", "end?");
	CHECK("end\xf0\x9d\x84", "end???");
}

/* gs_utf8_valid agrees with jansson, and the repair is what jansson takes. */
static void cross_check(const uint8_t *s, size_t n)
{
	char out[8];
	json_t *j = json_stringn((const char *)s, n);
	bool valid = j != NULL;

	json_decref(j);
	assert_int_equal(gs_utf8_valid(s, n), valid);
	assert_int_equal(gs_utf8_fix(s, n, out), n);
	if (valid) {
		assert_memory_equal(out, s, n);
	} else {
		j = json_stringn(out, n);
		assert_non_null(j);
		json_decref(j);
	}
}

static void test_every_short_string_against_jansson(void **state)
{
	static const uint8_t tails[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
					 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xff };
	uint8_t s[4];

	(void)state;
	for (unsigned a = 0; a < 256; a++) {
		s[0] = (uint8_t)a;
		cross_check(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (uint8_t)b;
			cross_check(s, 2);
			if (a < 0xc0)
				continue;
			for (size_t c = 0; c < sizeof(tails); c++) {
				s[2] = tails[c];
				cross_check(s, 3);
				for (size_t d = 0; d < sizeof(tails); d++) {
					s[3] = tails[d];
					cross_check(s, 4);
				}
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_text_is_kept),
		cmocka_unit_test(test_each_bad_byte_is_a_question_mark),
		cmocka_unit_test(test_a_broken_sequence_never_swallows_the_next),
		cmocka_unit_test(test_every_short_string_against_jansson),
	};

	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
