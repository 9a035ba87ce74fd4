/* SPDX-License-Identifier: MIT */
/*
 * The one terminal filter: what passes, what becomes '?', chunk boundaries,
 * a field's stricter rule, and the stream that filters on a terminal only.
 */
#include "testlib.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <termios.h>

#include "ttysafe.h"

/* The whole of in, fed in chunks of `step` bytes. */
static size_t filter(const char *in, size_t n, size_t step, bool field, char *out)
{
	struct gs_ttysafe ts = { .field = field };
	size_t o = 0;

	for (size_t i = 0; i < n; i += step) {
		size_t take = n - i < step ? n - i : step;

		o += gs_ttysafe_chunk(&ts, (const uint8_t *)in + i, take, (uint8_t *)out + o);
	}
	o += gs_ttysafe_end(&ts, (uint8_t *)out + o);
	out[o] = '\0';
	return o;
}

static void check_mode(const char *in, size_t n, bool field, const char *want)
{
	char out[256];

	for (size_t step = 1; step <= n + 1; step++) {
		size_t o = filter(in, n, step, field, out);

		assert_int_equal(o, strlen(want));
		assert_memory_equal(out, want, o);
	}
}

/* Literals may hold NUL bytes: their length is what sizeof says. */
#define CHECK(in, want) check_mode(in, sizeof(in) - 1, false, want)
#define CHECK_FIELD(in, want) check_mode(in, sizeof(in) - 1, true, want)

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

static void test_crlf_passes_a_lone_cr_does_not(void **state)
{
	(void)state;
	CHECK("a,b\r\nc,d\r\n", "a,b\r\nc,d\r\n");
	CHECK("a\r\rb\r", "a??b?");
	CHECK("\r\r\n\rx", "?\r\n?x");
	CHECK("\xc2\r\n", "\xc2\r\n");
	CHECK("\r\xc2\x9b", "??");
}

static void test_a_field_is_one_line(void **state)
{
	(void)state;
	/* a name must not forge a line, nor a column: newline, CR, tab too */
	CHECK_FIELD("evil\n4242 1 sshd go1.22.0 /usr/sbin/sshd", "evil?4242 1 sshd go1.22.0 /usr/sbin/sshd");
	CHECK_FIELD("a\tb\rc\x1b[2Jd\x7f", "a?b?c?[2Jd?");
	/* C1: NEL (U+0085, a line break to some) and CSI; UTF-8 and bad bytes pass */
	CHECK_FIELD("x\xc2\x85y\xc2\x9b" "1m caf\xc3\xa9 \xff", "x?y?1m caf\xc3\xa9 \xff");
	CHECK_FIELD("\xc2", "\xc2");
	CHECK_FIELD("a\r\nb", "a??b");
}

/* Everything readable on fd now (the writes are done), up to cap. */
static size_t drain(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (n < cap && poll(&p, 1, 200) == 1 && (p.revents & POLLIN)) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	return n;
}

static const char attack[] = "go1.19\x1b]0;pwned\x07 \xc2\x9b" "31m\r\tok \xc2\xb5s\r\n";

/* Through gs_ttysafe_open(out): what reaches the reading end rfd. */
static size_t through(FILE *out, int rfd, bool want_filter, char *buf, size_t cap)
{
	FILE *s = gs_ttysafe_open(out);

	assert_non_null(s);
	assert_int_equal(s != out, want_filter);
	/* in pieces, the C1 pair cut in two */
	assert_int_equal(fwrite(attack, 1, 18, s), 18);
	assert_true(fprintf(s, "%s", attack + 18) > 0);
	assert_int_equal(gs_ttysafe_close(s, out), 0);
	return drain(rfd, buf, cap);
}

static void test_filtered_on_a_terminal_only(void **state)
{
	char buf[256];
	struct termios tio;
	int master, slave, p[2];
	FILE *out;
	size_t n;

	(void)state;
	/* a pseudo-terminal, raw, so the line discipline changes nothing */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(tcgetattr(slave, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(slave, TCSANOW, &tio), 0);
	out = fdopen(slave, "w");
	assert_non_null(out);
	n = through(out, master, true, buf, sizeof(buf));
	buf[n] = '\0';
	assert_string_equal(buf, "go1.19?]0;pwned? ?31m?\tok \xc2\xb5s\r\n");
	fclose(out);
	close(master);

	/* a pipe: byte for byte */
	assert_int_equal(pipe(p), 0);
	out = fdopen(p[1], "w");
	assert_non_null(out);
	n = through(out, p[0], false, buf, sizeof(buf));
	assert_int_equal(n, sizeof(attack) - 1);
	assert_memory_equal(buf, attack, n);
	fclose(out);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes),
		cmocka_unit_test(test_controls_become_question_marks),
		cmocka_unit_test(test_lead_byte_at_the_end),
		cmocka_unit_test(test_crlf_passes_a_lone_cr_does_not),
		cmocka_unit_test(test_a_field_is_one_line),
		cmocka_unit_test(test_filtered_on_a_terminal_only),
	};

	return cmocka_run_group_tests_name("ttysafe", tests, NULL, NULL);
}
