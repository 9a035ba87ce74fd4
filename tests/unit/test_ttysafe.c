/* SPDX-License-Identifier: MIT */
/* Terminal-safe text: what passes, what becomes '?', and chunk boundaries. */
#include "testlib.h"

#include <string.h>

#include "ttysafe.h"

/* The whole of in, fed in chunks of `step` bytes. */
static size_t filter(const char *in, size_t n, size_t step, char *out)
{
	struct gs_ttysafe ts = { 0 };
	size_t o = 0;

	for (size_t i = 0; i < n; i += step) {
		size_t take = n - i < step ? n - i : step;

		o += gs_ttysafe_chunk(&ts, (const uint8_t *)in + i, take, (uint8_t *)out + o);
	}
	o += gs_ttysafe_end(&ts, (uint8_t *)out + o);
	out[o] = '\0';
	return o;
}

static void check(const char *in, size_t n, const char *want)
{
	char out[256];

	for (size_t step = 1; step <= n + 1; step++) {
		size_t o = filter(in, n, step, out);

		assert_int_equal(o, strlen(want));
		assert_memory_equal(out, want, o);
	}
}

/* Literals may hold NUL bytes: their length is what sizeof says. */
#define CHECK(in, want) check(in, sizeof(in) - 1, want)

static void test_plain_text_passes(void **state)
{
	(void)state;
	CHECK("goroutine 1 [running]:\n\tmain.main()\n", "goroutine 1 [running]:\n\tmain.main()\n");
	/* UTF-8 outside C1, including U+00A0-U+00BF (lead byte 0xc2) */
	CHECK("µs é € \xc2\xa0 \xc2\xbf", "µs é € \xc2\xa0 \xc2\xbf");
}

static void test_controls_become_question_marks(void **state)
{
	(void)state;
	/* clear screen, OSC 52 clipboard write ended by BEL, CR overwrite, DEL, NUL */
	CHECK("\x1b[2Jx\x1b]52;c;aGk=\x07y\rz\x7f\x00!", "?[2Jx?]52;c;aGk=?y?z?" "?!");
	/* C1 in UTF-8: CSI (U+009B), OSC (U+009D), U+0080 */
	CHECK("a\xc2\x9b" "31mb\xc2\x9d\xc2\x80", "a?31mb??");
}

static void test_lead_byte_at_the_end(void **state)
{
	(void)state;
	/* a lone 0xc2 at the very end, or before ASCII, is kept as it came */
	CHECK("ab\xc2", "ab\xc2");
	CHECK("\xc2\xc2\x9b", "\xc2?");
	CHECK("\xc2" "A", "\xc2" "A");
	CHECK("\xc2\n", "\xc2\n");
	CHECK("\xc2\x1b", "\xc2?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes),
		cmocka_unit_test(test_controls_become_question_marks),
		cmocka_unit_test(test_lead_byte_at_the_end),
	};

	return cmocka_run_group_tests_name("ttysafe", tests, NULL, NULL);
}
