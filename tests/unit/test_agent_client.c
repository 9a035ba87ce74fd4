/* SPDX-License-Identifier: MIT */
/*
 * The gops wire-protocol client (agent/client.h) against fake agents written
 * here, each a listening socket served by a thread: exact request bytes,
 * silence, an early close, a 200 MB reply, refusals, a blackholed connect
 * and an agent inside another network namespace. Then against the agentdemo
 * fixture, which runs goscope's Go agent (agent/go).
 */
#include "testlib.h"

#include "client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---- fake agents ---------------------------------------------------------- */

enum fake_mode {
	FAKE_REPLY,	/* read the request, send reply (if any), close */
	FAKE_SILENT,	/* read the request, send reply (if any), then wait for the client to leave */
	FAKE_STREAM,	/* read the request, send stream_bytes of pattern, close */
	FAKE_DRIP,	/* read the request, one byte every 100 ms until the client leaves */
};

struct fake {
	enum fake_mode mode;
	const char *reply;
	uint64_t stream_bytes;
	int family;		/* 0 = AF_INET */
	int conns;		/* connections to serve, 0 = 1 */

	int lfd;
	uint16_t port;
	pthread_t th;
	unsigned char req[64];	/* the last request */
	size_t req_len;
	bool half_closed;	/* the client shut its side before the reply */
	uint64_t sent;
};

/* The stream's byte at absolute offset i: period 64 KiB, never constant. */
static unsigned char pattern[65536];

static void init_pattern(void)
{
	for (size_t k = 0; k < sizeof(pattern); k++)
		pattern[k] = (unsigned char)(k * 7 + (k >> 8));
}

/*
 * Read one request: the command byte, ten more for setgc, then linger a
 * little to catch anything extra. The client never half-closes, so the
 * read only ends by the timeout; a 0 here means it did.
 */
static void fake_read_request(struct fake *f, int c)
{
	size_t want = 1;

	f->req_len = 0;
	for (;;) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, f->req_len < want ? 5000 : 50) <= 0)
			return;
		n = read(c, f->req + f->req_len, sizeof(f->req) - f->req_len);
		if (n == 0)
			f->half_closed = true;
		if (n <= 0)
			return;
		f->req_len += (size_t)n;
		if (f->req[0] == GS_AGENT_SETGC)
			want = GS_AGENT_REQ_MAX;
		if (f->req_len == sizeof(f->req))
			return;
	}
}

static bool fake_send(int c, const void *b, size_t n)
{
	while (n) {
		ssize_t w = send(c, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b = (const char *)b + w;
		n -= (size_t)w;
	}
	return true;
}

/* Wait (at most 10 s) until the client closes its end. */
static void fake_wait_gone(int c)
{
	struct pollfd p = { .fd = c, .events = POLLIN };
	char b[256];
	int64_t end = now_ms() + 10000;

	while (now_ms() < end) {
		if (poll(&p, 1, 100) > 0 && read(c, b, sizeof(b)) <= 0)
			return;
	}
}

static void fake_serve(struct fake *f, int c)
{
	fake_read_request(f, c);
	if (f->reply && !fake_send(c, f->reply, strlen(f->reply)))
		return;
	switch (f->mode) {
	case FAKE_REPLY:
		break;
	case FAKE_SILENT:
		fake_wait_gone(c);
		break;
	case FAKE_STREAM:
		while (f->sent < f->stream_bytes) {
			size_t off = (size_t)(f->sent % sizeof(pattern));
			size_t n = sizeof(pattern) - off;

			if (n > f->stream_bytes - f->sent)
				n = (size_t)(f->stream_bytes - f->sent);
			if (!fake_send(c, pattern + off, n))
				break;
			f->sent += n;
		}
		break;
	case FAKE_DRIP:
		for (int i = 0; i < 200 && fake_send(c, "x", 1); i++)
			sleep_ms(100);
		break;
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	for (int i = 0; i < f->conns; i++) {
		struct pollfd p = { .fd = f->lfd, .events = POLLIN };
		int c;

		if (poll(&p, 1, 10000) <= 0)
			break;
		c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			break;
		fake_serve(f, c);
		close(c);
	}
	return NULL;
}

/* Bind a loopback listener of f->family; false if that family is unavailable. */
static bool fake_try_start(struct fake *f)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fam = f->family ? f->family : AF_INET;

	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	f->lfd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0)
		return false;
	if (bind(f->lfd, (struct sockaddr *)&ss, len) < 0 || listen(f->lfd, 16) < 0) {
		close(f->lfd);
		return false;
	}
	len = sizeof(ss);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&ss, &len), 0);
	f->port = ntohs(fam == AF_INET ? sin->sin_port : sin6->sin6_port);
	if (!f->conns)
		f->conns = 1;
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
	return true;
}

static void fake_start(struct fake *f)
{
	assert_true(fake_try_start(f));
}

static void fake_stop(struct fake *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
}

static struct gs_agent_addr local(uint16_t port)
{
	struct gs_agent_addr a;

	gs_agent_addr_local(&a, port);
	return a;
}

/* A loopback port with nobody listening (bound, then released). */
static uint16_t dead_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* ---- encoding and parsing ------------------------------------------------- */

static void expect_setgc(int64_t v, const unsigned char *want, size_t want_len)
{
	unsigned char buf[GS_AGENT_REQ_MAX], exp[GS_AGENT_REQ_MAX] = { 0 };
	struct gs_err err = { 0 };

	exp[0] = 0x10;
	memcpy(exp + 1, want, want_len);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(gs_agent_encode(GS_AGENT_SETGC, v, buf, &err), 11);
	assert_memory_equal(buf, exp, sizeof(exp));
}

static void test_encode(void **state)
{
	static const int cmds[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };
	unsigned char buf[GS_AGENT_REQ_MAX];
	struct gs_err err = { 0 };

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(gs_agent_encode(cmds[i], 1234, buf, &err), 1);
		assert_int_equal(buf[0], cmds[i]);
	}
	expect_setgc(50, (const unsigned char *)"\x64", 1);
	expect_setgc(-1, (const unsigned char *)"\x01", 1);
	expect_setgc(100, (const unsigned char *)"\xc8\x01", 2);
	expect_setgc(-5, (const unsigned char *)"\x09", 1);
	expect_setgc(1000, (const unsigned char *)"\xd0\x0f", 2);
	expect_setgc(0, (const unsigned char *)"\x00", 1);
	expect_setgc(INT64_MAX, (const unsigned char *)"\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
	expect_setgc(INT64_MIN, (const unsigned char *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);

	for (int c = -1; c < 0x20; c++) {
		bool known = (c >= 1 && c <= 9) || c == 0x10;

		assert_int_equal(gs_agent_cmd_valid(c), known);
		assert_int_equal(gs_agent_cmd_name(c) != NULL, known);
		if (!known)
			assert_int_equal(gs_agent_encode(c, 0, buf, &err), -1);
	}
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(gs_agent_encode(256 + 1, 0, buf, &err), -1);
	assert_string_equal(gs_agent_cmd_name(GS_AGENT_SETGC), "setgc");
	assert_string_equal(gs_agent_cmd_name(GS_AGENT_HEAP_PROFILE), "heap profile");
}

static void test_parse_gc_percent(void **state)
{
	static const struct {
		const char *in;
		int64_t out;
	} good[] = {
		{ "50", 50 }, { "100", 100 }, { "-5", -5 }, { "+7", 7 }, { "0", 0 },
		{ "007", 7 }, { "off", -1 }, { "OFF", -1 }, { "oFf", -1 },
		{ "9223372036854775807", INT64_MAX },
		{ "-9223372036854775808", INT64_MIN },
	};
	static const char *const bad[] = {
		"", "-", "+", "abc", "5x", " 5", "5 ", "0x10", "1e3", "of", "offf",
		"--5", "5-", "1_000",
	};
	static const char *const range[] = {
		"9223372036854775808", "-9223372036854775809", "99999999999999999999999",
	};
	struct gs_err err = { 0 };
	int64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		if (gs_agent_parse_gc_percent(good[i].in, &v, &err))
			fail_msg("\"%s\": %s", good[i].in, err.msg);
		assert_true(v == good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (gs_agent_parse_gc_percent(bad[i], &v, &err) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(err.code, EINVAL);
	}
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		assert_int_equal(gs_agent_parse_gc_percent(range[i], &v, &err), -1);
		assert_int_equal(err.code, ERANGE);
	}
	assert_int_equal(gs_agent_parse_gc_percent(NULL, &v, &err), -1);
}

static void test_addr_parse(void **state)
{
	static const struct {
		const char *in, *host;
		uint16_t port;
	} good[] = {
		{ "127.0.0.1:36473", "127.0.0.1", 36473 },
		{ "[::1]:80", "::1", 80 },
		{ "localhost:6060", "localhost", 6060 },
		{ ":9", "", 9 },
		{ "[fe80::1%lo]:1", "fe80::1%lo", 1 },
		{ "host:065535", "host", 65535 },
	};
	static const char *const bad[] = {
		"", "host", "host:", "host:0", "host:65536", "host:-1", "host:http",
		"::1:80", "[::1]", "[::1]80", "[::1:80", "a]:80", "host: 80",
	};
	struct gs_agent_addr a;
	struct gs_err err = { 0 };
	char s[300], longhost[400];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (gs_agent_addr_parse(&a, good[i].in, &err))
			fail_msg("\"%s\": %s", good[i].in, err.msg);
		assert_string_equal(a.host, good[i].host);
		assert_int_equal(a.port, good[i].port);
		assert_int_equal(a.netns_fd, -1);
		assert_int_equal(a.netns_pid, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gs_agent_addr_parse(&a, bad[i], &err) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
	memset(longhost, 'h', sizeof(longhost));
	strcpy(longhost + 300, ":80");
	assert_int_equal(gs_agent_addr_parse(&a, longhost, &err), -1);

	gs_agent_addr_parse(&a, "[::1]:80", &err);
	assert_int_equal(gs_agent_addr_str(&a, s, sizeof(s)), 0);
	assert_string_equal(s, "[::1]:80");
	gs_agent_addr_local(&a, 36473);
	assert_int_equal(gs_agent_addr_str(&a, s, sizeof(s)), 0);
	assert_string_equal(s, "127.0.0.1:36473");
	assert_int_equal(gs_agent_addr_str(&a, s, 5), -1);
}

static void test_default_timeouts(void **state)
{
	struct gs_agent_timeouts t;

	static const struct {
		int cmd, total_ms;
	} deadline[] = {
		{ GS_AGENT_STATS, 3000 }, { GS_AGENT_VERSION, 3000 },
		{ GS_AGENT_MEMSTATS, 5000 }, { GS_AGENT_SETGC, 5000 },
		{ GS_AGENT_GC, 10000 }, { GS_AGENT_STACK, 60000 },
		{ GS_AGENT_HEAP_PROFILE, 60000 }, { GS_AGENT_TRACE, 60000 },
		{ GS_AGENT_CPU_PROFILE, 90000 }, { GS_AGENT_BINARY_DUMP, 120000 },
	};

	gs_agent_default_timeouts(GS_AGENT_STACK, &t);
	assert_int_equal(t.connect_ms, 3000);
	assert_int_equal(t.idle_ms, 10000);
	assert_true(t.max_bytes == 0);
	/* Longer than the agent's own fixed sampling time. */
	gs_agent_default_timeouts(GS_AGENT_CPU_PROFILE, &t);
	assert_true(t.idle_ms > 30000);
	gs_agent_default_timeouts(GS_AGENT_TRACE, &t);
	assert_true(t.idle_ms > 5000);
	/* Every command has a deadline for its whole reply (issue 16 item 6). */
	for (size_t i = 0; i < sizeof(deadline) / sizeof(deadline[0]); i++) {
		gs_agent_default_timeouts(deadline[i].cmd, &t);
		assert_int_equal(t.total_ms, deadline[i].total_ms);
		assert_true(t.total_ms >= t.idle_ms || deadline[i].total_ms <= 10000);
	}
	/* The fixed sampling time fits under the deadline with room to send. */
	gs_agent_default_timeouts(GS_AGENT_CPU_PROFILE, &t);
	assert_true(t.total_ms >= 30000 + 30000);
	gs_agent_default_timeouts(GS_AGENT_TRACE, &t);
	assert_true(t.total_ms >= 5000 + 30000);
}

/* ---- against fake agents -------------------------------------------------- */

/* Every command's request, as the agent receives it, byte for byte. */
static void test_request_bytes(void **state)
{
	static const struct {
		int cmd;
		int64_t arg;
		const char *bytes;
		size_t len;
	} cases[] = {
		{ GS_AGENT_STACK, 0, "\x01", 1 },
		{ GS_AGENT_GC, 0, "\x02", 1 },
		{ GS_AGENT_MEMSTATS, 0, "\x03", 1 },
		{ GS_AGENT_VERSION, 0, "\x04", 1 },
		{ GS_AGENT_HEAP_PROFILE, 0, "\x05", 1 },
		{ GS_AGENT_CPU_PROFILE, 0, "\x06", 1 },
		{ GS_AGENT_STATS, 0, "\x07", 1 },
		{ GS_AGENT_TRACE, 0, "\x08", 1 },
		{ GS_AGENT_BINARY_DUMP, 0, "\x09", 1 },
		{ GS_AGENT_SETGC, 50, "\x10\x64\0\0\0\0\0\0\0\0\0", 11 },
		{ GS_AGENT_SETGC, 100, "\x10\xc8\x01\0\0\0\0\0\0\0\0", 11 },
		{ GS_AGENT_SETGC, 1000, "\x10\xd0\x0f\0\0\0\0\0\0\0\0", 11 },
		{ GS_AGENT_SETGC, -5, "\x10\x09\0\0\0\0\0\0\0\0\0", 11 },
		{ GS_AGENT_SETGC, -1, "\x10\x01\0\0\0\0\0\0\0\0\0", 11 },
	};
	int fds = count_fds();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f = { .mode = FAKE_REPLY, .reply = "ok" };
		struct gs_agent_addr a;
		struct gs_err err = { 0 };
		char buf[16];

		fake_start(&f);
		a = local(f.port);
		if (gs_agent_call_buf(&a, cases[i].cmd, cases[i].arg, buf, sizeof(buf),
				      NULL, &err) != 2)
			fail_msg("case %zu: %s", i, err.msg);
		fake_stop(&f);
		assert_string_equal(buf, "ok");
		assert_false(f.half_closed);
		assert_int_equal(f.req_len, cases[i].len);
		assert_memory_equal(f.req, cases[i].bytes, cases[i].len);
	}

	/* setgc off, from the parser to the wire. */
	{
		struct fake f = {
			.mode = FAKE_REPLY,
			.reply = "New GC percent set to -1. Previous value was 100.\n",
		};
		struct gs_agent_addr a;
		struct gs_err err = { 0 };
		char buf[128];
		int64_t v;

		assert_int_equal(gs_agent_parse_gc_percent("Off", &v, &err), 0);
		fake_start(&f);
		a = local(f.port);
		assert_true(gs_agent_call_buf(&a, GS_AGENT_SETGC, v, buf, sizeof(buf), NULL, &err) > 0);
		fake_stop(&f);
		assert_string_equal(buf, f.reply);
		assert_int_equal(f.req_len, 11);
		assert_memory_equal(f.req, "\x10\x01\0\0\0\0\0\0\0\0\0", 11);
	}
	assert_int_equal(count_fds(), fds);
}

static void test_silent_agent(void **state)
{
	struct fake f = { .mode = FAKE_SILENT };
	struct gs_agent_timeouts t = { .idle_ms = 300 };
	struct gs_err err = { 0 };
	struct gs_agent_addr a;
	char want[128], buf[64];
	int64_t t0, ms;

	fake_start(&f);
	a = local(f.port);
	t0 = now_ms();
	assert_int_equal(gs_agent_call_buf(&a, GS_AGENT_STACK, 0, buf, sizeof(buf), &t, &err), -1);
	ms = now_ms() - t0;
	fake_stop(&f);
	assert_int_equal(err.code, ETIMEDOUT);
	snprintf(want, sizeof(want), "agent at 127.0.0.1:%u sent nothing for 300ms", f.port);
	assert_string_equal(err.msg, want);
	if (ms < 290 || ms > 2000)
		fail_msg("timed out after %lld ms, want about 300", (long long)ms);

	/* Some bytes, then silence: the message says how far it got. */
	f = (struct fake){ .mode = FAKE_SILENT, .reply = "abc" };
	t.idle_ms = 1500;
	fake_start(&f);
	a = local(f.port);
	t0 = now_ms();
	assert_int_equal(gs_agent_call_buf(&a, GS_AGENT_MEMSTATS, 0, buf, sizeof(buf), &t, &err), -1);
	ms = now_ms() - t0;
	fake_stop(&f);
	snprintf(want, sizeof(want),
		 "agent at 127.0.0.1:%u sent nothing for 1.5s (after 3 bytes)", f.port);
	assert_string_equal(err.msg, want);
	assert_string_equal(buf, "abc");
	assert_true(ms >= 1490 && ms < 3000);
}

/*
 * Ask a fake agent that sends a byte every 100 ms for cmd's reply, with
 * limits t (NULL: cmd's defaults): the call must fail with ETIMEDOUT and
 * a message naming want; returns how long it took, what came in buf.
 */
static int64_t drip_call(int cmd, const struct gs_agent_timeouts *t, const char *want,
			 char *buf, size_t sz)
{
	struct fake f = { .mode = FAKE_DRIP };
	struct gs_err err = { 0 };
	struct gs_agent_addr a;
	int64_t t0, ms;

	fake_start(&f);
	a = local(f.port);
	t0 = now_ms();
	assert_int_equal(gs_agent_call_buf(&a, cmd, 0, buf, sz, t, &err), -1);
	ms = now_ms() - t0;
	fake_stop(&f);
	assert_int_equal(err.code, ETIMEDOUT);
	if (!strstr(err.msg, want))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, want);
	return ms;
}

/* A reply that trickles forever is cut by the total limit. */
static void test_total_limit(void **state)
{
	struct gs_agent_timeouts t = { .idle_ms = 5000, .total_ms = 500 };
	char buf[256];
	int64_t ms = drip_call(GS_AGENT_STACK, &t, "did not finish its reply within 500ms", buf,
			       sizeof(buf));

	assert_true(strlen(buf) >= 3);
	assert_true(ms >= 490 && ms < 2000);
}

/*
 * A byte every 100 ms never trips the idle limit; with no limits given,
 * the command's own deadline ends it (stats: 3 s), and the bytes that came
 * are counted in the message.
 */
static void test_drip_default_deadline(void **state)
{
	char buf[256];
	int64_t ms = drip_call(GS_AGENT_STATS, NULL, "did not finish its reply within 3s (", buf,
			       sizeof(buf));

	assert_true(strlen(buf) >= 20);
	if (ms < 2990 || ms > 6000)
		fail_msg("ended after %lld ms, want about 3000", (long long)ms);
}

static void test_closes_at_once(void **state)
{
	static const int cmds[] = { GS_AGENT_VERSION, GS_AGENT_GC, GS_AGENT_STACK, GS_AGENT_SETGC };
	char want[128], buf[64];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct fake f = { .mode = FAKE_REPLY };
		struct gs_err err = { 0 };
		struct gs_agent_addr a;
		int64_t t0;

		fake_start(&f);
		a = local(f.port);
		t0 = now_ms();
		assert_int_equal(gs_agent_call_buf(&a, cmds[i], 10, buf, sizeof(buf), NULL, &err), -1);
		assert_true(now_ms() - t0 < 1000);
		fake_stop(&f);
		assert_int_equal(err.code, EPROTO);
		snprintf(want, sizeof(want),
			 "agent at 127.0.0.1:%u closed the connection without a reply", f.port);
		assert_string_equal(err.msg, want);
	}
}

static void test_gc_reply(void **state)
{
	static const struct {
		const char *reply;
		bool ok;
	} cases[] = {
		{ "ok", true }, { "ok\n", false }, { "no", false }, { "o", false },
		{ "okay, done with a long answer", false }, { "OK", false },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f = { .mode = FAKE_REPLY, .reply = cases[i].reply };
		struct gs_err err = { 0 };
		struct gs_agent_addr a;
		ssize_t n;

		fake_start(&f);
		a = local(f.port);
		n = gs_agent_call_buf(&a, GS_AGENT_GC, 0, buf, sizeof(buf), NULL, &err);
		fake_stop(&f);
		if (cases[i].ok) {
			assert_int_equal(n, 2);
			continue;
		}
		assert_int_equal(n, -1);
		assert_int_equal(err.code, EPROTO);
		assert_non_null(strstr(err.msg, "to gc instead of \"ok\""));
	}
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &res), 2);
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

struct check_sink {
	uint64_t n;
	uint64_t bad;		/* bytes off the pattern */
	uint64_t next_probe;
	uint64_t peak_rss;
};

static int check_sink_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct check_sink *s = ctx;
	const unsigned char *b = buf;

	while (len) {
		size_t off = (size_t)(s->n % sizeof(pattern));
		size_t k = sizeof(pattern) - off;

		if (k > len)
			k = len;
		if (memcmp(b, pattern + off, k))
			s->bad += k;
		b += k;
		len -= k;
		s->n += k;
	}
	if (s->n >= s->next_probe) {
		uint64_t r = rss_bytes();

		if (r > s->peak_rss)
			s->peak_rss = r;
		s->next_probe = s->n + (8 << 20);
	}
	return 0;
}

/* 200 MB through a 64 KiB buffer: every byte arrives, memory stays flat. */
static void test_stream_200mb(void **state)
{
	const uint64_t total = 200ull << 20;
	struct fake f = { .mode = FAKE_STREAM, .stream_bytes = total };
	struct check_sink s = { 0 };
	struct gs_agent_sink sink = { .fn = check_sink_fn, .ctx = &s };
	struct gs_err err = { 0 };
	struct gs_agent_addr a;
	struct rusage ru0, ru1;
	uint64_t rss0;
	ssize_t n;

	fake_start(&f);
	a = local(f.port);
	getrusage(RUSAGE_SELF, &ru0);
	rss0 = rss_bytes();
	n = gs_agent_call(&a, GS_AGENT_BINARY_DUMP, 0, &sink, NULL, &err);
	getrusage(RUSAGE_SELF, &ru1);
	fake_stop(&f);
	if (n < 0)
		fail_msg("%s", err.msg);
	assert_true((uint64_t)n == total);
	assert_true(s.n == total);
	assert_true(s.bad == 0);
	/* ru_maxrss is in KiB and only grows: its growth bounds the peak. */
	if (ru1.ru_maxrss - ru0.ru_maxrss > 20 * 1024)
		fail_msg("max RSS grew by %ld KiB", ru1.ru_maxrss - ru0.ru_maxrss);
	if (s.peak_rss > rss0 + (20u << 20))
		fail_msg("RSS went from %llu to %llu bytes", (unsigned long long)rss0,
			 (unsigned long long)s.peak_rss);
}

static void test_byte_cap(void **state)
{
	struct fake f = { .mode = FAKE_STREAM, .stream_bytes = 1 << 20 };
	struct gs_agent_timeouts t = { .max_bytes = 100000 };
	struct check_sink s = { 0 };
	struct gs_agent_sink sink = { .fn = check_sink_fn, .ctx = &s };
	struct gs_err err = { 0 };
	struct gs_agent_addr a;

	fake_start(&f);
	a = local(f.port);
	assert_int_equal(gs_agent_call(&a, GS_AGENT_HEAP_PROFILE, 0, &sink, &t, &err), -1);
	fake_stop(&f);
	assert_int_equal(err.code, EFBIG);
	assert_non_null(strstr(err.msg, "sent more than 100000 bytes"));
	assert_true(s.n == 100000);
	assert_true(s.bad == 0);

	/* gs_agent_call_buf: a reply that does not fit is an error too. */
	f = (struct fake){ .mode = FAKE_REPLY, .reply = "0123456789" };
	fake_start(&f);
	a = local(f.port);
	{
		char small[8];

		assert_int_equal(gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, small,
						   sizeof(small), NULL, &err), -1);
		assert_int_equal(err.code, EFBIG);
		assert_string_equal(small, "");
	}
	fake_stop(&f);
}

static int refuse_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	return gs_errf(err, ENOSPC, "disk full");
}

static int silent_refuse_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	return -1;
}

static void test_sinks(void **state)
{
	struct fake f = { .mode = FAKE_REPLY, .reply = "go1.19.8\n" };
	struct gs_agent_sink sink = { .fd = -1 };
	struct gs_err err = { 0 };
	struct gs_agent_addr a;
	char buf[32] = { 0 };
	int p[2];

	/* To a file descriptor. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	sink.fd = p[1];
	fake_start(&f);
	a = local(f.port);
	assert_int_equal(gs_agent_call(&a, GS_AGENT_VERSION, 0, &sink, NULL, &err), 9);
	fake_stop(&f);
	close(p[1]);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 9);
	close(p[0]);
	assert_string_equal(buf, "go1.19.8\n");

	/* Discarded. */
	fake_start(&f);
	a = local(f.port);
	assert_int_equal(gs_agent_call(&a, GS_AGENT_VERSION, 0, NULL, NULL, &err), 9);
	fake_stop(&f);

	/* A sink that gives up stops the call with its own error... */
	sink = (struct gs_agent_sink){ .fn = refuse_fn };
	fake_start(&f);
	a = local(f.port);
	assert_int_equal(gs_agent_call(&a, GS_AGENT_VERSION, 0, &sink, NULL, &err), -1);
	fake_stop(&f);
	assert_int_equal(err.code, ENOSPC);
	assert_string_equal(err.msg, "disk full");

	/* ...or with a generic one when it gave none. */
	sink = (struct gs_agent_sink){ .fn = silent_refuse_fn };
	fake_start(&f);
	a = local(f.port);
	assert_int_equal(gs_agent_call(&a, GS_AGENT_VERSION, 0, &sink, NULL, &err), -1);
	fake_stop(&f);
	assert_true(err.msg[0] != 0);
}

static void test_refused(void **state)
{
	uint16_t port = dead_port();
	struct gs_agent_addr a = local(port);
	struct gs_err err = { 0 };
	char want[128], buf[16];
	int64_t t0 = now_ms();

	assert_int_equal(gs_agent_call_buf(&a, GS_AGENT_STACK, 0, buf, sizeof(buf), NULL, &err), -1);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(err.code, ECONNREFUSED);
	/* The caller makes gops' line of it: "couldn't get port by PID: " + this. */
	snprintf(want, sizeof(want), "dial tcp 127.0.0.1:%u: connect: connection refused", port);
	assert_string_equal(err.msg, want);
}

/*
 * A listener whose accept queue is full drops further SYNs, so a connect
 * hangs: the connect timeout must end it, in Go's words.
 */
static void test_connect_timeout(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct gs_agent_timeouts t = { .connect_ms = 400, .idle_ms = 300 };
	socklen_t len = sizeof(sin);
	struct gs_err err = { 0 };
	struct gs_agent_addr a;
	int lfd, fill[3];
	char want[128], buf[16];
	int64_t t0, ms;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, len), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	for (int i = 0; i < 3; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		connect(fill[i], (struct sockaddr *)&sin, len);
	}
	sleep_ms(100);
	a = local(ntohs(sin.sin_port));
	t0 = now_ms();
	assert_int_equal(gs_agent_call_buf(&a, GS_AGENT_STACK, 0, buf, sizeof(buf), &t, &err), -1);
	ms = now_ms() - t0;
	for (int i = 0; i < 3; i++)
		close(fill[i]);
	close(lfd);
	assert_int_equal(err.code, ETIMEDOUT);
	snprintf(want, sizeof(want), "dial tcp 127.0.0.1:%u: i/o timeout", ntohs(sin.sin_port));
	assert_string_equal(err.msg, want);
	assert_true(ms >= 390 && ms < 2000);
}

/* IPv6 literals, host names (several addresses) and ":port". */
static void test_address_forms(void **state)
{
	struct fake f = { .mode = FAKE_REPLY, .reply = "v\n" };
	struct gs_agent_addr a;
	struct gs_err err = { 0 };
	char s[64], buf[16];

	f.family = AF_INET6;
	if (fake_try_start(&f)) {
		snprintf(s, sizeof(s), "[::1]:%u", f.port);
		assert_int_equal(gs_agent_addr_parse(&a, s, &err), 0);
		if (gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), NULL, &err) != 2)
			fail_msg("%s: %s", s, err.msg);
		fake_stop(&f);
		assert_string_equal(buf, "v\n");
	} else {
		fprintf(stderr, "# no IPv6 loopback here: [::1] not tried\n");
	}

	/* localhost may come back as ::1 first: refused there, then 127.0.0.1. */
	f = (struct fake){ .mode = FAKE_REPLY, .reply = "v\n" };
	fake_start(&f);
	snprintf(s, sizeof(s), "localhost:%u", f.port);
	assert_int_equal(gs_agent_addr_parse(&a, s, &err), 0);
	if (gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), NULL, &err) != 2)
		fail_msg("%s: %s", s, err.msg);
	fake_stop(&f);

	f = (struct fake){ .mode = FAKE_REPLY, .reply = "v\n" };
	fake_start(&f);
	snprintf(s, sizeof(s), ":%u", f.port);
	assert_int_equal(gs_agent_addr_parse(&a, s, &err), 0);
	if (gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), NULL, &err) != 2)
		fail_msg("%s: %s", s, err.msg);
	fake_stop(&f);

	/* Our own namespace by pid: no helper, no privilege needed. */
	f = (struct fake){ .mode = FAKE_REPLY, .reply = "v\n" };
	fake_start(&f);
	a = local(f.port);
	a.netns_pid = getpid();
	if (gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), NULL, &err) != 2)
		fail_msg("own netns: %s", err.msg);
	fake_stop(&f);

	/* A namespace that cannot be opened. */
	a = local(1);
	a.netns_pid = 0x3ffffff0;
	assert_int_equal(gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), NULL, &err), -1);
	assert_non_null(strstr(err.msg, "cannot open the network namespace of pid"));
}

/* ---- another network namespace --------------------------------------------- */

/*
 * The agent of a containerised process: a child with its own network
 * namespace (loopback up) serves conns connections on 127.0.0.1.
 */
static void netns_child(int wfd, int conns)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	struct ifreq ifr;
	uint16_t port;
	int s, lfd;

	if (unshare(CLONE_NEWNET) < 0)
		_exit(10);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		_exit(11);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		_exit(12);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, len) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		_exit(13);
	port = ntohs(sin.sin_port);
	if (write(wfd, &port, sizeof(port)) != sizeof(port))
		_exit(14);
	for (int i = 0; i < conns; i++) {
		struct fake f = { .mode = FAKE_REPLY, .reply = "from the other netns\n" };
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			_exit(15);
		fake_serve(&f, c);
		close(c);
	}
	_exit(0);
}

static void test_netns(void **state)
{
	struct gs_agent_timeouts t = { .connect_ms = 500, .idle_ms = 2000 };
	struct pollfd pfd;
	struct gs_agent_addr a;
	struct gs_err err = { 0 };
	char buf[64], path[64];
	uint16_t port = 0;
	int p[2], status = 0, fds;
	pid_t pid;

	gs_require_root();
	fds = count_fds();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		netns_child(p[1], 2);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pfd, 1, 5000) <= 0 || read(p[0], &port, sizeof(port)) != sizeof(port)) {
		waitpid(pid, &status, 0);
		fail_msg("namespace child failed (exit %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	close(p[0]);

	/* Seen from here, the port is someone else's or nobody's. */
	a = local(port);
	if (gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), &t, &err) >= 0)
		assert_string_not_equal(buf, "from the other netns\n");

	/* By pid. */
	a.netns_pid = pid;
	if (gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), &t, &err) < 0)
		fail_msg("netns by pid: %s", err.msg);
	assert_string_equal(buf, "from the other netns\n");

	/* By an open namespace file; it wins over the pid. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	a.netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(a.netns_fd >= 0);
	a.netns_pid = 1;
	if (gs_agent_call_buf(&a, GS_AGENT_STATS, 0, buf, sizeof(buf), &t, &err) < 0)
		fail_msg("netns by fd: %s", err.msg);
	assert_string_equal(buf, "from the other netns\n");

	/* The child is done: refused inside its namespace, in Go's words. */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(a.netns_fd);
	a.netns_fd = -1;
	a.netns_pid = 0;
	assert_int_equal(fds, count_fds());
}

/*
 * A namespace without a listener (and with loopback down): the error comes
 * from inside it, worded like any other.
 */
static void test_netns_refused(void **state)
{
	struct gs_agent_addr a = local(4242);
	struct gs_err err = { 0 };
	char buf[16];
	int p[2], status;
	pid_t pid;

	gs_require_root();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(10);
		/* Wait for the parent, then go. */
		if (read(p[0], &c, 1) < 0)
			_exit(11);
		_exit(0);
	}
	close(p[0]);
	for (int i = 0; i < 100; i++) {
		char a1[64], a2[64];
		char l1[64] = "", l2[64] = "";

		snprintf(a1, sizeof(a1), "/proc/%d/ns/net", (int)pid);
		snprintf(a2, sizeof(a2), "/proc/self/ns/net");
		if (readlink(a1, l1, sizeof(l1) - 1) > 0 && readlink(a2, l2, sizeof(l2) - 1) > 0 &&
		    strcmp(l1, l2))
			break;
		sleep_ms(10);
	}
	a.netns_pid = pid;
	assert_int_equal(gs_agent_call_buf(&a, GS_AGENT_STACK, 0, buf, sizeof(buf), NULL, &err), -1);
	close(p[1]);
	waitpid(pid, &status, 0);
	/* Loopback down: unreachable; up but closed port: refused. Either is Go's text. */
	assert_true(!strncmp(err.msg, "dial tcp 127.0.0.1:4242: connect: ", 34));
	assert_true(err.code == ENETUNREACH || err.code == ECONNREFUSED);
}

/* ---- against goscope's Go agent (the agentdemo fixture) ------------------- */

struct demo {
	pid_t pid;
	uint16_t port;
	int out;		/* its stdout, kept open so it never sees EPIPE */
	char dir[64];
};

static struct demo shared_demo;

static void demo_start(struct demo *d, const char *goroutines)
{
	const char *path = gs_require_fixture("agentdemo");
	char *argv[] = { (char *)path, (char *)"-goroutines", (char *)goroutines, NULL };
	char envbuf[128], line[64];
	char **envp;
	size_t n = 0, len = 0;
	int64_t end;
	int p[2];

	strcpy(d->dir, "/tmp/goscope-agent-test-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	/* The environment, minus anything that would change the agent's answers. */
	while (environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	assert_non_null(envp);
	n = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "GOGC=", 5) && strncmp(*e, "GOPS_CONFIG_DIR=", 16) &&
		    strncmp(*e, "GODEBUG=", 8) && strncmp(*e, "GOMAXPROCS=", 11))
			envp[n++] = *e;
	snprintf(envbuf, sizeof(envbuf), "GOPS_CONFIG_DIR=%s", d->dir);
	envp[n++] = envbuf;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		dup2(p[1], 1);
		execve(path, argv, envp);
		_exit(127);
	}
	free(envp);
	close(p[1]);
	d->out = p[0];
	end = now_ms() + 10000;
	while (!memchr(line, '\n', len)) {
		struct pollfd pfd = { .fd = d->out, .events = POLLIN };
		ssize_t r;

		if (now_ms() > end || poll(&pfd, 1, 500) < 0)
			fail_msg("agentdemo did not say ready");
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(d->out, line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			fail_msg("agentdemo exited before ready");
		len += (size_t)r;
		line[len] = 0;
	}
	{
		unsigned int port = 0;

		if (sscanf(line, "ready %u\n", &port) != 1 || port == 0 || port > 65535)
			fail_msg("agentdemo said %s", line);
		d->port = (uint16_t)port;
	}
}

static void demo_stop(struct demo *d, int sig)
{
	char path[128];

	if (d->pid <= 0)
		return;
	kill(d->pid, sig);
	waitpid(d->pid, NULL, 0);
	close(d->out);
	snprintf(path, sizeof(path), "%s/%d", d->dir, (int)d->pid);
	unlink(path);
	rmdir(d->dir);
	d->pid = 0;
}

/* The shared agentdemo, with 200 idle goroutines, started on first use. */
static struct gs_agent_addr demo(void)
{
	if (!shared_demo.pid)
		demo_start(&shared_demo, "200");
	return local(shared_demo.port);
}

static int teardown_group(void **state)
{
	demo_stop(&shared_demo, SIGKILL);
	return 0;
}

static void text_call(const struct gs_agent_addr *a, int cmd, int64_t arg,
		      char *buf, size_t sz)
{
	struct gs_err err = { 0 };

	if (gs_agent_call_buf(a, cmd, arg, buf, sz, NULL, &err) < 0)
		fail_msg("%s: %s", gs_agent_cmd_name(cmd), err.msg);
}

static void test_demo_portfile_version(void **state)
{
	struct gs_agent_addr a = demo();
	char buf[128], want[72], path[128], port[16];
	size_t n = 0;
	const unsigned char *b;
	FILE *f;

	/* The port file: decimal port, no newline, named by the pid. */
	snprintf(path, sizeof(path), "%s/%d", shared_demo.dir, (int)shared_demo.pid);
	b = gs_map_file(path, &n);
	assert_non_null(b);
	snprintf(port, sizeof(port), "%u", shared_demo.port);
	assert_int_equal(n, strlen(port));
	assert_memory_equal(b, port, n);
	gs_unmap_file(b, n);

	f = fopen(gs_require_fixture("GOVERSION"), "r");
	assert_non_null(f);
	assert_non_null(fgets(want, sizeof(want), f));
	fclose(f);
	text_call(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_true(want[strlen(want) - 1] == '\n');
}

static void test_demo_stats(void **state)
{
	struct gs_agent_addr a = demo();
	char buf[256];
	long g = 0, th = 0, mp = 0, cpu = 0;

	text_call(&a, GS_AGENT_STATS, 0, buf, sizeof(buf));
	if (sscanf(buf, "goroutines: %ld\nOS threads: %ld\nGOMAXPROCS: %ld\nnum CPU: %ld\n",
		   &g, &th, &mp, &cpu) != 4)
		fail_msg("stats: %s", buf);
	assert_true(g >= 200);
	assert_true(th >= 1 && mp >= 1 && cpu >= 1);
	assert_true(buf[strlen(buf) - 1] == '\n');
}

static void test_demo_memstats(void **state)
{
	static const char *const keys[] = {
		"alloc", "total-alloc", "sys", "lookups", "mallocs", "frees",
		"heap-alloc", "heap-sys", "heap-idle", "heap-in-use", "heap-released",
		"heap-objects", "stack-in-use", "stack-sys", "mspan-in-use", "mspan-sys",
		"mcache-in-use", "mcache-sys", "buck-hash-sys", "other-sys", "gc-sys",
		"next-gc", "last-gc", "gc-pause-total", "gc-pause", "gc-pause-end",
		"num-gc", "num-forced-gc", "gc-cpu-fraction", "enable-gc", "debug-gc",
	};
	struct gs_agent_addr a = demo();
	static char buf[8192];
	char *line = buf;

	text_call(&a, GS_AGENT_MEMSTATS, 0, buf, sizeof(buf));
	assert_true(!strncmp(buf, "alloc: ", 7));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *nl = strchr(line, '\n');
		size_t k = strlen(keys[i]);

		assert_non_null(nl);
		if (strncmp(line, keys[i], k) || line[k] != ':' || line[k + 1] != ' ')
			fail_msg("line %zu: want key %s: %.*s", i, keys[i], (int)(nl - line), line);
		line = nl + 1;
	}
	assert_string_equal(line, "");
	assert_non_null(strstr(buf, "\nnext-gc: when heap-alloc >= "));
	assert_non_null(strstr(buf, "\nenable-gc: true\n"));
}

static void test_demo_setgc(void **state)
{
	struct gs_agent_addr a = demo();
	struct gs_err err = { 0 };
	char buf[128];
	int64_t off;

	text_call(&a, GS_AGENT_SETGC, 50, buf, sizeof(buf));
	assert_string_equal(buf, "New GC percent set to 50. Previous value was 100.\n");
	text_call(&a, GS_AGENT_SETGC, 100, buf, sizeof(buf));
	assert_string_equal(buf, "New GC percent set to 100. Previous value was 50.\n");
	assert_int_equal(gs_agent_parse_gc_percent("off", &off, &err), 0);
	text_call(&a, GS_AGENT_SETGC, off, buf, sizeof(buf));
	assert_string_equal(buf, "New GC percent set to -1. Previous value was 100.\n");
	text_call(&a, GS_AGENT_SETGC, 100, buf, sizeof(buf));
	assert_string_equal(buf, "New GC percent set to 100. Previous value was -1.\n");
}

static void test_demo_gc_stack(void **state)
{
	struct gs_agent_addr a = demo();
	static char buf[1 << 20];
	const char *p;
	int blocks = 0;

	text_call(&a, GS_AGENT_GC, 0, buf, sizeof(buf));
	assert_string_equal(buf, "ok");
	text_call(&a, GS_AGENT_STACK, 0, buf, sizeof(buf));
	assert_true(!strncmp(buf, "goroutine ", 10));
	for (p = buf; (p = strstr(p, "goroutine ")); p++)
		if (p == buf || p[-1] == '\n')
			blocks++;
	assert_true(blocks >= 200);
	assert_non_null(strstr(buf, "main.main()"));
}

struct head_sink {
	unsigned char head[16];
	size_t len;
	uint64_t total;
};

static int head_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct head_sink *s = ctx;
	size_t k = sizeof(s->head) - s->len;

	if (k > len)
		k = len;
	memcpy(s->head + s->len, buf, k);
	s->len += k;
	s->total += len;
	return 0;
}

static void test_demo_heap_profile(void **state)
{
	struct gs_agent_addr a = demo();
	struct head_sink s = { 0 };
	struct gs_agent_sink sink = { .fn = head_fn, .ctx = &s };
	struct gs_err err = { 0 };
	ssize_t n = gs_agent_call(&a, GS_AGENT_HEAP_PROFILE, 0, &sink, NULL, &err);

	if (n < 0)
		fail_msg("%s", err.msg);
	assert_true(s.len >= 3);
	assert_memory_equal(s.head, "\x1f\x8b\x08", 3);
	assert_true((uint64_t)n == s.total);
}

struct cmp_sink {
	const unsigned char *want;
	size_t len;
	size_t off;
	bool differs;
};

static int cmp_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct cmp_sink *s = ctx;

	if (len > s->len - s->off || memcmp(s->want + s->off, buf, len))
		s->differs = true;
	else
		s->off += len;
	return s->differs ? gs_errf(err, EPROTO, "binary differs") : 0;
}

static void test_demo_binary_dump(void **state)
{
	struct gs_agent_addr a = demo();
	struct cmp_sink s = { 0 };
	struct gs_agent_sink sink = { .fn = cmp_fn, .ctx = &s };
	struct gs_err err = { 0 };
	ssize_t n;

	s.want = gs_map_fixture("agentdemo", &s.len);
	n = gs_agent_call(&a, GS_AGENT_BINARY_DUMP, 0, &sink, NULL, &err);
	if (n < 0)
		fail_msg("%s", err.msg);
	assert_false(s.differs);
	assert_true((size_t)n == s.len);
	gs_unmap_file(s.want, s.len);
}

/* Raw requests the library would never send: the agent closes, silent. */
static size_t raw_call(uint16_t port, const void *req, size_t len, int64_t *ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int64_t t0 = now_ms();
	size_t got = 0;
	char b[4096];
	ssize_t r;

	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) <= 0)
			fail_msg("agent kept the connection open");
		r = read(fd, b, sizeof(b));
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*ms = now_ms() - t0;
	close(fd);
	return got;
}

static void test_demo_bad_requests(void **state)
{
	struct gs_agent_addr a = demo();
	int64_t ms;

	/* Unknown command: an empty reply, as gops' agent gives. */
	assert_int_equal(raw_call(a.port, "\x0b", 1, &ms), 0);
	assert_true(ms < 1000);
	/* A setgc varint that overflows: closed at once, nothing written. */
	assert_int_equal(raw_call(a.port, "\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11, &ms), 0);
	assert_true(ms < 1000);
}

struct trace_job {
	struct gs_agent_addr a;
	struct head_sink s;
	struct gs_err err;
	ssize_t n;
	int64_t ms;
};

static void *trace_main(void *arg)
{
	struct trace_job *j = arg;
	struct gs_agent_sink sink = { .fn = head_fn, .ctx = &j->s };
	int64_t t0 = now_ms();

	j->n = gs_agent_call(&j->a, GS_AGENT_TRACE, 0, &sink, NULL, &j->err);
	j->ms = now_ms() - t0;
	return NULL;
}

/*
 * gops' agent serves one connection at a time: a silent client or a 5 s
 * trace blocks everyone. goscope's agent must answer meanwhile.
 */
static void test_demo_concurrent(void **state)
{
	struct gs_agent_addr a = demo();
	struct gs_agent_timeouts quick = { .total_ms = 1500 };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(a.port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct trace_job j = { .a = a };
	struct gs_err err = { 0 };
	pthread_t th;
	char buf[256];
	int idle;

	idle = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(idle, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(pthread_create(&th, NULL, trace_main, &j), 0);
	sleep_ms(300);
	for (int i = 0; i < 5; i++) {
		int64_t t0 = now_ms();

		if (gs_agent_call_buf(&a, i % 2 ? GS_AGENT_STATS : GS_AGENT_VERSION, 0,
				      buf, sizeof(buf), &quick, &err) < 0)
			fail_msg("during a trace: %s", err.msg);
		assert_true(now_ms() - t0 < 1000);
		sleep_ms(100);
	}
	pthread_join(th, NULL);
	close(idle);
	if (j.n < 0)
		fail_msg("trace: %s", j.err.msg);
	assert_true(j.ms >= 4900);
	assert_true(j.s.len >= 5);
	assert_memory_equal(j.s.head, "go 1.", 5);
}

/* ShutdownCleanup: SIGTERM removes the port file and still kills. */
static void test_demo_shutdown_cleanup(void **state)
{
	struct demo d = { 0 };
	char path[128];
	int status;

	demo_start(&d, "0");
	snprintf(path, sizeof(path), "%s/%d", d.dir, (int)d.pid);
	assert_int_equal(access(path, F_OK), 0);
	kill(d.pid, SIGTERM);
	assert_int_equal(waitpid(d.pid, &status, 0), d.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	assert_int_equal(access(path, F_OK), -1);
	close(d.out);
	rmdir(d.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_parse_gc_percent),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_default_timeouts),
		cmocka_unit_test(test_stream_200mb),
		cmocka_unit_test(test_request_bytes),
		cmocka_unit_test(test_silent_agent),
		cmocka_unit_test(test_total_limit),
		cmocka_unit_test(test_drip_default_deadline),
		cmocka_unit_test(test_closes_at_once),
		cmocka_unit_test(test_gc_reply),
		cmocka_unit_test(test_byte_cap),
		cmocka_unit_test(test_sinks),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_address_forms),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_netns_refused),
		cmocka_unit_test(test_demo_portfile_version),
		cmocka_unit_test(test_demo_stats),
		cmocka_unit_test(test_demo_memstats),
		cmocka_unit_test(test_demo_setgc),
		cmocka_unit_test(test_demo_gc_stack),
		cmocka_unit_test(test_demo_heap_profile),
		cmocka_unit_test(test_demo_binary_dump),
		cmocka_unit_test(test_demo_bad_requests),
		cmocka_unit_test(test_demo_concurrent),
		cmocka_unit_test(test_demo_shutdown_cleanup),
	};

	init_pattern();
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("agent_client", tests, NULL, teardown_group);
}
