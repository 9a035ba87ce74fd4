/* SPDX-License-Identifier: MIT */
/*
 * What goscope makes of an agent's reply (agent/reply.h), without an agent:
 * the read loop fed through pipes (gc's "ok", byte caps, sinks, silence),
 * and the text parsers fed hostile bytes (NULs, CRLF, overlong keys, huge
 * numbers, text that runs on past the given length).
 */
#include "testlib.h"

#include "reply.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

/* A literal and its length, NULs included. */
#define T(s) (s), sizeof(s) - 1

/* ---- the read loop ------------------------------------------------------ */

struct writer {
	int fd;
	const void *buf;
	size_t len;
	pthread_t th;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	const unsigned char *b = w->buf;
	size_t off = 0;

	while (off < w->len) {
		ssize_t n = write(w->fd, b + off, w->len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(w->fd);
	return NULL;
}

/*
 * Feed reply to gs_agent_read_reply through a pipe from a thread (so a
 * reply larger than the pipe cannot block us), then EOF.
 */
static ssize_t read_from(const void *reply, size_t len, int cmd,
			 const struct gs_agent_timeouts *t,
			 const struct gs_agent_sink *sink, struct gs_err *err)
{
	struct gs_agent_timeouts lim;
	struct writer w = { .buf = reply, .len = len };
	int p[2];
	ssize_t n;

	gs_agent_default_timeouts(cmd, &lim);
	if (t)
		lim = *t;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	w.fd = p[1];
	assert_int_equal(pthread_create(&w.th, NULL, writer_main, &w), 0);
	n = gs_agent_read_reply(p[0], cmd, &lim, sink, "pipe", err);
	/* The writer may still be blocked on a reply we stopped reading. */
	close(p[0]);
	pthread_join(w.th, NULL);
	return n;
}

static void test_gc_ok(void **state)
{
	static const struct {
		const char *reply;
		size_t len;
		const char *msg;	/* NULL: accepted */
	} cases[] = {
		{ T("ok"), NULL },
		{ T("ok\n"), "agent at pipe replied \"ok\\x0a\" to gc instead of \"ok\"" },
		{ T("no"), "agent at pipe replied \"no\" to gc instead of \"ok\"" },
		{ T("o"), "agent at pipe replied \"o\" to gc instead of \"ok\"" },
		{ T("OK"), "agent at pipe replied \"OK\" to gc instead of \"ok\"" },
		{ T("o\0"), "agent at pipe replied \"o\\x00\" to gc instead of \"ok\"" },
		{ T("okay, done with a long answer"),
		  "agent at pipe replied \"okay, done with \"... to gc instead of \"ok\"" },
		{ T("\"\\"), "agent at pipe replied \"\\x22\\x5c\" to gc instead of \"ok\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gs_err err = { 0 };
		ssize_t n = read_from(cases[i].reply, cases[i].len, GS_AGENT_GC, NULL,
				      NULL, &err);

		if (!cases[i].msg) {
			assert_int_equal(n, 2);
			continue;
		}
		assert_int_equal(n, -1);
		assert_int_equal(err.code, EPROTO);
		assert_string_equal(err.msg, cases[i].msg);
	}

	/* "ok" is only special for gc. */
	{
		struct gs_err err = { 0 };

		assert_int_equal(read_from("no", 2, GS_AGENT_STACK, NULL, NULL, &err), 2);
	}
}

static void test_empty_reply(void **state)
{
	static const int cmds[] = { GS_AGENT_STACK, GS_AGENT_GC, GS_AGENT_VERSION,
				    GS_AGENT_SETGC };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct gs_err err = { 0 };

		assert_int_equal(read_from("", 0, cmds[i], NULL, NULL, &err), -1);
		assert_int_equal(err.code, EPROTO);
		assert_string_equal(err.msg,
				    "agent at pipe closed the connection without a reply");
	}
}

static void test_max_bytes(void **state)
{
	static char big[300000];
	char buf[64] = { 0 };
	struct gs_agent_buf_sink bs = { .buf = buf, .cap = sizeof(buf) - 1 };
	struct gs_agent_sink sink = { .fn = gs_agent_buf_sink_fn, .ctx = &bs, .fd = -1 };
	struct gs_agent_timeouts t;
	struct gs_err err = { 0 };

	gs_agent_default_timeouts(GS_AGENT_STACK, &t);
	t.max_bytes = 10;
	assert_int_equal(read_from("0123456789abcdef", 16, GS_AGENT_STACK, &t, &sink, &err),
			 -1);
	assert_int_equal(err.code, EFBIG);
	assert_string_equal(err.msg, "agent at pipe sent more than 10 bytes");
	/* Exactly the first max_bytes reached the sink. */
	assert_int_equal(bs.len, 10);
	assert_memory_equal(buf, "0123456789", 10);

	/* A reply of exactly max_bytes is fine. */
	bs.len = 0;
	assert_int_equal(read_from("0123456789", 10, GS_AGENT_STACK, &t, &sink, &err), 10);
	assert_int_equal(bs.len, 10);

	/* gc's "ok" under a cap of 1: the cap speaks first. */
	t.max_bytes = 1;
	assert_int_equal(read_from("ok", 2, GS_AGENT_GC, &t, NULL, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_string_equal(err.msg, "agent at pipe sent more than 1 bytes");

	/* Across several 64 KiB reads. */
	memset(big, 'x', sizeof(big));
	t.max_bytes = 200001;
	assert_int_equal(read_from(big, sizeof(big), GS_AGENT_BINARY_DUMP, &t, NULL, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_string_equal(err.msg, "agent at pipe sent more than 200001 bytes");
	t.max_bytes = 0;
	assert_int_equal(read_from(big, sizeof(big), GS_AGENT_BINARY_DUMP, &t, NULL, &err),
			 (ssize_t)sizeof(big));
}

static int refuse_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	(*(int *)ctx)++;
	return gs_errf(err, ENOSPC, "disk full");
}

static int silent_refuse_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	(*(int *)ctx)++;
	return -1;
}

static void test_sinks(void **state)
{
	struct gs_err err = { 0 };
	char buf[32] = { 0 };
	int calls = 0, p[2];

	/* A refusing sink stops the read with its own error... */
	assert_int_equal(read_from("go1.19.8\n", 9, GS_AGENT_VERSION, NULL,
				   &(struct gs_agent_sink){ .fn = refuse_fn, .ctx = &calls },
				   &err), -1);
	assert_int_equal(calls, 1);
	assert_int_equal(err.code, ENOSPC);
	assert_string_equal(err.msg, "disk full");

	/* ...or with a generic one when it gave none. */
	calls = 0;
	assert_int_equal(read_from("go1.19.8\n", 9, GS_AGENT_VERSION, NULL,
				   &(struct gs_agent_sink){ .fn = silent_refuse_fn,
							    .ctx = &calls },
				   &err), -1);
	assert_int_equal(calls, 1);
	assert_int_equal(err.code, ECANCELED);
	assert_string_equal(err.msg, "the agent's reply was refused by its reader");

	/* The buffer sink: room for 4 bytes is not enough for 9. */
	{
		struct gs_agent_buf_sink bs = { .buf = buf, .cap = 4 };

		assert_int_equal(read_from("go1.19.8\n", 9, GS_AGENT_VERSION, NULL,
					   &(struct gs_agent_sink){
						   .fn = gs_agent_buf_sink_fn, .ctx = &bs },
					   &err), -1);
		assert_int_equal(err.code, EFBIG);
		assert_string_equal(err.msg, "agent reply longer than 4 bytes");
		assert_int_equal(bs.len, 0);
	}

	/* To a file descriptor. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(read_from("go1.19.8\n", 9, GS_AGENT_VERSION, NULL,
				   &(struct gs_agent_sink){ .fd = p[1] }, &err), 9);
	close(p[1]);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 9);
	close(p[0]);
	assert_memory_equal(buf, "go1.19.8\n", 9);

	/* A write error on the descriptor is the call's error. */
	assert_int_equal(read_from("go1.19.8\n", 9, GS_AGENT_VERSION, NULL,
				   &(struct gs_agent_sink){ .fd = -1 }, &err), -1);
	assert_int_equal(err.code, EBADF);
	assert_non_null(strstr(err.msg, "cannot write the agent's reply"));
}

static void test_silence(void **state)
{
	struct gs_agent_timeouts t = { .idle_ms = 100 };
	struct gs_err err = { 0 };
	int p[2];

	/* Nothing at all, the writer never closes. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(gs_agent_read_reply(p[0], GS_AGENT_STACK, &t, NULL, "pipe", &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_string_equal(err.msg, "agent at pipe sent nothing for 100ms");

	/* Some bytes, then silence. */
	assert_int_equal(write(p[1], "abc", 3), 3);
	t.idle_ms = 1500;
	assert_int_equal(gs_agent_read_reply(p[0], GS_AGENT_STACK, &t, NULL, "pipe", &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_string_equal(err.msg, "agent at pipe sent nothing for 1.5s (after 3 bytes)");

	/* The total limit wins when it is the nearer one. */
	assert_int_equal(write(p[1], "x", 1), 1);
	t = (struct gs_agent_timeouts){ .idle_ms = 10000, .total_ms = 200 };
	assert_int_equal(gs_agent_read_reply(p[0], GS_AGENT_STACK, &t, NULL, "pipe", &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_string_equal(err.msg,
			    "agent at pipe did not finish its reply within 200ms (1 bytes so far)");

	/* Not a byte within the deadline: said as the silence it is. */
	t = (struct gs_agent_timeouts){ .idle_ms = 10000, .total_ms = 150 };
	assert_int_equal(gs_agent_read_reply(p[0], GS_AGENT_STACK, &t, NULL, "pipe", &err), -1);
	assert_int_equal(err.code, ETIMEDOUT);
	assert_string_equal(err.msg, "agent at pipe sent nothing for 150ms");
	close(p[0]);
	close(p[1]);
}

/* ---- stats -------------------------------------------------------------- */

static const char good_stats[] =
	"goroutines: 6210\nOS threads: 9\nGOMAXPROCS: 2\nnum CPU: 2\n";

static int stats(const char *text, size_t len, struct gs_agent_stats *s,
		 struct gs_err *err)
{
	*s = (struct gs_agent_stats){ -7, -7, -7, -7 };
	*err = (struct gs_err){ 0 };
	return gs_agent_stats_parse(text, len, s, err);
}

static void expect_bad(const char *text, size_t len, const char *msg)
{
	struct gs_agent_stats s;
	struct gs_err err;

	if (stats(text, len, &s, &err) != -1)
		fail_msg("accepted: %.*s", (int)len, text);
	assert_int_equal(err.code, EPROTO);
	assert_string_equal(err.msg, msg);
	/* Nothing half-parsed leaks out. */
	assert_true(s.goroutines == -7 && s.threads == -7 && s.gomaxprocs == -7 &&
		    s.ncpu == -7);
}

#define LACKS "agent's stats reply lacks some of the four lines"

static void test_stats_good(void **state)
{
	struct gs_agent_stats s;
	struct gs_err err;

	assert_int_equal(stats(good_stats, strlen(good_stats), &s, &err), 0);
	assert_true(s.goroutines == 6210 && s.threads == 9 && s.gomaxprocs == 2 &&
		    s.ncpu == 2);

	/* No trailing newline; other order; extra lines; a later line wins. */
	{
		static const char t[] = "num CPU: 8\nextra: x\n\nGOMAXPROCS: 4\n"
					"OS threads: 5\ngoroutines: 1\ngoroutines:  -3";

		assert_int_equal(stats(t, strlen(t), &s, &err), 0);
		assert_true(s.goroutines == -3 && s.threads == 5 && s.gomaxprocs == 4 &&
			    s.ncpu == 8);
	}

	/* Bounded by len: what follows is not read, NUL or not. */
	{
		static const char t[] = "goroutines: 1\nOS threads: 2\nGOMAXPROCS: 3\n"
					"num CPU: 45garbage";

		assert_int_equal(stats(t, strlen(t) - 7, &s, &err), 0);
		assert_true(s.ncpu == 45);
		assert_int_equal(stats(t, strlen(t) - 8, &s, &err), 0);
		assert_true(s.ncpu == 4);
	}

	/* Blanks and signs as strtoll takes them. */
	{
		static const char t[] = "goroutines:\t 12\nOS threads: +9\nGOMAXPROCS:2\n"
					"num CPU:\v\f\r7\n";

		assert_int_equal(stats(t, strlen(t), &s, &err), 0);
		assert_true(s.goroutines == 12 && s.threads == 9 && s.gomaxprocs == 2 &&
			    s.ncpu == 7);
	}
}

static void test_stats_missing(void **state)
{
	expect_bad("", 0, LACKS);
	expect_bad(NULL, 0, LACKS);
	expect_bad("\n\n\n", 3, LACKS);
	expect_bad(T("goroutines: 1\nOS threads: 2\nGOMAXPROCS: 3\n"), LACKS);
	/* The key is all before the colon, exactly. */
	expect_bad(T("goroutines: 1\nOS threads: 2\nGOMAXPROCS: 3\nnum CPU : 4\n"), LACKS);
	expect_bad(T("goroutines: 1\nOS threads: 2\nGOMAXPROCS: 3\nNum CPU: 4\n"), LACKS);
	expect_bad(T("goroutines: 1\nOS threads: 2\nGOMAXPROCS: 3\n num CPU: 4\n"), LACKS);
	/* A line cut short by len. */
	expect_bad(good_stats, strlen(good_stats) - 4, LACKS);
	expect_bad(good_stats, strlen(good_stats) - 11, LACKS);
}

static void test_stats_bad_number(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *msg;
	} cases[] = {
		{ T("goroutines: x\n"), "agent sent a bad 'goroutines' line" },
		{ T("goroutines: \n"), "agent sent a bad 'goroutines' line" },
		{ T("goroutines:"), "agent sent a bad 'goroutines' line" },
		{ T("OS threads: 12 \n"), "agent sent a bad 'OS threads' line" },
		{ T("GOMAXPROCS: 0x10\n"), "agent sent a bad 'GOMAXPROCS' line" },
		{ T("num CPU: -\n"), "agent sent a bad 'num CPU' line" },
		{ T("num CPU: 1.5\n"), "agent sent a bad 'num CPU' line" },
		/* strtoll stays on its line: no value from the next one. */
		{ T("goroutines:\n5\nOS threads: 2\nGOMAXPROCS: 3\nnum CPU: 4\n"),
		  "agent sent a bad 'goroutines' line" },
		/* CRLF: the "\r" is left over after the number. */
		{ T("goroutines: 1\r\nOS threads: 2\r\nGOMAXPROCS: 3\r\nnum CPU: 4\r\n"),
		  "agent sent a bad 'goroutines' line" },
		/* A NUL neither ends the text nor hides what follows it. */
		{ T("goroutines: 1\nOS threads: 2\nGOMAXPROCS: 3\nnum CPU: 4\0junk\n"),
		  "agent sent a bad 'num CPU' line" },
		{ T("goroutines: 1\0\nOS threads: 2\nGOMAXPROCS: 3\nnum CPU: 4\n"),
		  "agent sent a bad 'goroutines' line" },
		/* Past int64, either way. */
		{ T("goroutines: 9223372036854775808\n"), "agent sent a bad 'goroutines' line" },
		{ T("goroutines: -9223372036854775809\n"), "agent sent a bad 'goroutines' line" },
		{ T("goroutines: 99999999999999999999999999999\n"),
		  "agent sent a bad 'goroutines' line" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_bad(cases[i].text, cases[i].len, cases[i].msg);
}

static void test_stats_nul_and_limits(void **state)
{
	static const char t[] = "goroutines: 9223372036854775807\nOS threads: -9223372036854775808\n"
				"GOMAXPROCS: 0\nodd\0line: \xff\nnum CPU: 00000000000000000000000001\n";
	struct gs_agent_stats s;
	struct gs_err err;

	/* A NUL on a line goscope does not use changes nothing. */
	assert_int_equal(stats(t, sizeof(t) - 1, &s, &err), 0);
	assert_true(s.goroutines == INT64_MAX);
	assert_true(s.threads == INT64_MIN);
	assert_true(s.gomaxprocs == 0);
	assert_true(s.ncpu == 1);
}

/* ---- fields ------------------------------------------------------------- */

struct field {
	char key[GS_AGENT_KEY_MAX + 8];
	size_t klen;
	char val[64];
	size_t vlen;
};

struct fields {
	struct field f[16];
	int n;
	int stop_at;	/* return 1 from this call on, 0 = never */
};

static int collect(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
	struct fields *fs = ctx;
	struct field *f = &fs->f[fs->n++];

	assert_true(fs->n <= 16);
	assert_true(kl < sizeof(f->key) && vl < sizeof(f->val));
	memcpy(f->key, k, kl);
	f->klen = kl;
	memcpy(f->val, v, vl);
	f->vlen = vl;
	return fs->stop_at && fs->n >= fs->stop_at ? 42 : 0;
}

static void expect_field(const struct field *f, const char *k, size_t kl,
			 const char *v, size_t vl)
{
	assert_int_equal(f->klen, kl);
	assert_memory_equal(f->key, k, kl);
	assert_int_equal(f->vlen, vl);
	if (vl)
		assert_memory_equal(f->val, v, vl);
}

static void test_fields(void **state)
{
	static const char t[] =
		"alloc: 1.50MB (1572864 bytes)\n"
		"num-gc: 12\n"
		"next-gc: when heap-alloc >= 4.00MB (4194304 bytes)\n"
		": empty key\n"
		"nospace:12\n"
		"trailing:\n"
		"empty: \n"
		"a:b: c\n"
		"no colon here\n"
		"\n"
		"crlf: 5\r\n"
		"nul\0key: v\0al\n"
		"last: x";
	struct fields fs = { 0 };

	assert_int_equal(gs_agent_fields(t, sizeof(t) - 1, collect, &fs), 0);
	assert_int_equal(fs.n, 7);
	expect_field(&fs.f[0], T("alloc"), T("1.50MB (1572864 bytes)"));
	expect_field(&fs.f[1], T("num-gc"), T("12"));
	expect_field(&fs.f[2], T("next-gc"), T("when heap-alloc >= 4.00MB (4194304 bytes)"));
	expect_field(&fs.f[3], T("empty"), T(""));
	expect_field(&fs.f[4], T("crlf"), T("5\r"));
	expect_field(&fs.f[5], T("nul\0key"), T("v\0al"));
	expect_field(&fs.f[6], T("last"), T("x"));

	/* Cut by len in the middle of a line: that line ends there. */
	fs = (struct fields){ 0 };
	assert_int_equal(gs_agent_fields(t, 13, collect, &fs), 0);
	assert_int_equal(fs.n, 1);
	expect_field(&fs.f[0], T("alloc"), T("1.50MB"));
	fs = (struct fields){ 0 };
	assert_int_equal(gs_agent_fields(t, 6, collect, &fs), 0);
	assert_int_equal(fs.n, 0);
	assert_int_equal(gs_agent_fields(NULL, 0, collect, &fs), 0);
	assert_int_equal(fs.n, 0);

	/* A non-zero return stops the walk and comes back. */
	fs = (struct fields){ .stop_at = 2 };
	assert_int_equal(gs_agent_fields(t, sizeof(t) - 1, collect, &fs), 42);
	assert_int_equal(fs.n, 2);
}

static void test_fields_long_key(void **state)
{
	char t[2 * GS_AGENT_KEY_MAX + 32], k[GS_AGENT_KEY_MAX], K[GS_AGENT_KEY_MAX];
	struct fields fs = { 0 };
	int o;

	/* 127 bytes: kept; 128: skipped. */
	memset(k, 'k', sizeof(k));
	memset(K, 'K', sizeof(K));
	o = snprintf(t, sizeof(t), "%.*s: 1\n%.*s: 2\nx: 3", GS_AGENT_KEY_MAX - 1, k,
		     GS_AGENT_KEY_MAX, K);
	assert_int_equal(o, 2 * GS_AGENT_KEY_MAX - 1 + 12);
	assert_int_equal(gs_agent_fields(t, (size_t)o, collect, &fs), 0);
	assert_int_equal(fs.n, 2);
	assert_int_equal(fs.f[0].klen, GS_AGENT_KEY_MAX - 1);
	assert_true(fs.f[0].key[0] == 'k');
	expect_field(&fs.f[1], T("x"), T("3"));
}

static void test_field_int(void **state)
{
	int64_t x = -1;

	assert_true(gs_agent_field_int("0", 1, &x) && x == 0);
	assert_true(gs_agent_field_int("1572864", 7, &x) && x == 1572864);
	assert_true(gs_agent_field_int("999999999999999999", 18, &x) &&
		    x == 999999999999999999LL);
	assert_true(gs_agent_field_int("000000000000000012", 18, &x) && x == 12);
	x = -1;
	/* 19 digits and up stay text, even when they would fit. */
	assert_false(gs_agent_field_int("1000000000000000000", 19, &x));
	assert_false(gs_agent_field_int("18446744073709551616", 20, &x));
	assert_false(gs_agent_field_int("", 0, &x));
	assert_false(gs_agent_field_int("-1", 2, &x));
	assert_false(gs_agent_field_int("+1", 2, &x));
	assert_false(gs_agent_field_int(" 1", 2, &x));
	assert_false(gs_agent_field_int("12\r", 3, &x));
	assert_false(gs_agent_field_int("1.5", 3, &x));
	assert_false(gs_agent_field_int("1\0", 2, &x));
	assert_false(gs_agent_field_int("true", 4, &x));
	assert_true(x == -1);
}

/* ---- version ------------------------------------------------------------ */

static void test_version_len(void **state)
{
	assert_int_equal(gs_agent_version_len("go1.19.8\n", 9), 8);
	assert_int_equal(gs_agent_version_len("go1.19.8\r\n\n\r", 12), 8);
	assert_int_equal(gs_agent_version_len("go1.19.8", 8), 8);
	assert_int_equal(gs_agent_version_len("go1\nx\n", 6), 5);
	assert_int_equal(gs_agent_version_len("go1\0\n", 5), 4);
	assert_int_equal(gs_agent_version_len("\n\r\n", 3), 0);
	assert_int_equal(gs_agent_version_len("", 0), 0);
	/* Bounded by n, whatever follows. */
	assert_int_equal(gs_agent_version_len("go1.2\n\n", 5), 5);
}

/* Literals may hold NUL bytes: their length is what sizeof says. */
#define VERSION_OF(lit) gs_agent_version_parse(lit, sizeof(lit) - 1)

static void test_version_parse_accepts_go_versions(void **state)
{
	static const char *const good[] = {
		"go1", "go1.19", "go1.19.8", "go1.21.0", "go1.21rc1", "go1.9beta2", "go1.27.3",
		"go1.21.5 X:loopvar", "go1.23.1 X:nocoverageredesign,rangefunc",
		"go1.22-abc123def0", "go1.21.0-bigcorp",
		"go1.27-devel_0123456789 Tue Oct 3 12:00:00 2023 +0000",
		"devel go1.22-0123456789 Tue Oct 3 12:00:00 2023 +0000",
		"devel +abc123def0 Mon Jan 2 15:04:05 2006 -0700",
	};
	char buf[300];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t n = strlen(good[i]);

		if (gs_agent_version_parse(good[i], n) != n)
			fail_msg("refused: %s", good[i]);
		/* with the agent's line end, which is not part of the version */
		memcpy(buf, good[i], n);
		memcpy(buf + n, "\r\n", 2);
		assert_int_equal(gs_agent_version_parse(buf, n + 2), n);
	}
	/* the longest taken */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "go1.21 ", 7);
	assert_int_equal(gs_agent_version_parse(buf, GS_AGENT_VERSION_MAX), GS_AGENT_VERSION_MAX);
	assert_int_equal(gs_agent_version_parse(buf, GS_AGENT_VERSION_MAX + 1), 0);
}

static void test_version_parse_refuses_the_rest(void **state)
{
	(void)state;
	/* forged lines, terminal controls, bytes outside ASCII */
	assert_int_equal(VERSION_OF("go1.21.5\nError: forged line\n"), 0);
	assert_int_equal(VERSION_OF("go1.19\x1b]0;pwned\x07\n"), 0);
	assert_int_equal(VERSION_OF("go1.21\r"" X"), 0);
	assert_int_equal(VERSION_OF("go1.21\t"), 0);
	assert_int_equal(VERSION_OF("go1.21\0"), 0);
	assert_int_equal(VERSION_OF("go1.21 \xc2\x9b"), 0);
	assert_int_equal(VERSION_OF("go1.21 caf\xc3\xa9"), 0);
	/* not a Go version */
	assert_int_equal(VERSION_OF(""), 0);
	assert_int_equal(VERSION_OF("\n"), 0);
	assert_int_equal(VERSION_OF("unknown"), 0);
	assert_int_equal(VERSION_OF("go2.0"), 0);
	assert_int_equal(VERSION_OF("go12"), 0);
	assert_int_equal(VERSION_OF(" go1.21"), 0);
	assert_int_equal(VERSION_OF("Go1.21"), 0);
	assert_int_equal(VERSION_OF("go1."), 0);
	assert_int_equal(VERSION_OF("go1.x"), 0);
	assert_int_equal(VERSION_OF("go1.21."), 0);
	assert_int_equal(VERSION_OF("go1.21rc"), 0);
	assert_int_equal(VERSION_OF("go1.21beta"), 0);
	assert_int_equal(VERSION_OF("go1.21.0rc1"), 0);
	assert_int_equal(VERSION_OF("go1.21-"), 0);
	assert_int_equal(VERSION_OF("go1.21-a/b"), 0);
	assert_int_equal(VERSION_OF("go1.21x"), 0);
	assert_int_equal(VERSION_OF("go1.24.1+auto"), 0);	/* a suffix needs its '-' */
	assert_int_equal(VERSION_OF("go1.1234567890"), 0);
	assert_int_equal(VERSION_OF("devel"), 0);
	assert_int_equal(VERSION_OF("devel "), 0);
	assert_int_equal(VERSION_OF("development"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gc_ok),
		cmocka_unit_test(test_empty_reply),
		cmocka_unit_test(test_max_bytes),
		cmocka_unit_test(test_sinks),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_stats_good),
		cmocka_unit_test(test_stats_missing),
		cmocka_unit_test(test_stats_bad_number),
		cmocka_unit_test(test_stats_nul_and_limits),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_fields_long_key),
		cmocka_unit_test(test_field_int),
		cmocka_unit_test(test_version_len),
		cmocka_unit_test(test_version_parse_accepts_go_versions),
		cmocka_unit_test(test_version_parse_refuses_the_rest),
	};

	/* Replies we stop reading must not kill us through their writer. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
