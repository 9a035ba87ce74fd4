/* SPDX-License-Identifier: MIT */
/*
 * Agent replies where goscope interprets them (agent/reply.h): whoever
 * listens on the port a target's port file names writes these bytes. The
 * first byte selects:
 *   0  the read loop: [cmd][max_bytes][sink cap] then the reply, fed
 *      through a pipe whose write end is closed, so EOF always comes
 *   1  the stats parser
 *   2  the "key: value" splitter, into jansson as `goscope agent --json` does
 *   3  the version trim and the version check
 *   4  the terminal filter (user/lib/ttysafe.h), as a text reply passes it
 *      on a tty and as a name passes it as a field: [chunk size] then the text
 * Besides the sanitizers, each case checks what the API promises and
 * aborts when it does not hold.
 */
#include "reply.h"
#include "ttysafe.h"
#include "utf8.h"
#include "fuzzcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPLY_MAX (256 * 1024)

static const int cmds[] = {
	GS_AGENT_STACK, GS_AGENT_GC, GS_AGENT_MEMSTATS, GS_AGENT_VERSION,
	GS_AGENT_HEAP_PROFILE, GS_AGENT_CPU_PROFILE, GS_AGENT_STATS,
	GS_AGENT_TRACE, GS_AGENT_BINARY_DUMP, GS_AGENT_SETGC,
};

/* Sink capacities: none, around gc's 2 bytes, small, call_buf's, all. */
static const size_t caps[] = { 0, 1, 2, 3, 16, 255, 1023, REPLY_MAX };

static int refuse_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	return ((const unsigned char *)buf)[0] & 1 ? gs_errf(err, ENOSPC, "full") : -1;
}

/*
 * A pipe holding data[0..*len) and then EOF: the read end, or -1. The write
 * end is non-blocking and closed here, so a pipe smaller than asked only
 * shortens *len, it never blocks.
 */
static int pipe_with(const uint8_t *data, size_t *len)
{
	size_t off = 0;
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	if (*len > 65536)
		fcntl(p[1], F_SETPIPE_SZ, (int)*len);
	while (off < *len) {
		ssize_t n = write(p[1], data + off, *len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(p[1]);
	*len = off;
	return p[0];
}

static void fuzz_read(const uint8_t *data, size_t size)
{
	static char buf[REPLY_MAX];
	struct gs_agent_buf_sink bs;
	struct gs_agent_sink sink;
	struct gs_agent_timeouts lim;
	struct gs_err err;
	const uint8_t *reply;
	size_t len, want;
	int cmd, fd;
	ssize_t n;

	if (size < 3)
		return;
	cmd = cmds[data[0] % (sizeof(cmds) / sizeof(cmds[0]))];
	gs_agent_default_timeouts(cmd, &lim);
	/* High bit: a small cap, 0-127 (0 = none). */
	lim.max_bytes = data[1] & 0x80 ? data[1] & 0x7f : 0;
	bs = (struct gs_agent_buf_sink){ .buf = buf,
					 .cap = caps[data[2] % (sizeof(caps) / sizeof(caps[0]))] };
	reply = data + 3;
	len = size - 3 < REPLY_MAX ? size - 3 : REPLY_MAX;

	/* Into a bounded buffer. */
	fd = pipe_with(reply, &len);
	if (fd < 0)
		return;
	err = (struct gs_err){ 0 };
	sink = (struct gs_agent_sink){ .fn = gs_agent_buf_sink_fn, .ctx = &bs, .fd = -1 };
	n = gs_agent_read_reply(fd, cmd, &lim, &sink, "fuzz", &err);
	close(fd);
	/* What must happen, from the promises in reply.h. */
	want = lim.max_bytes && len > lim.max_bytes ? lim.max_bytes : len;
	check(bs.len <= bs.cap && bs.len <= want);
	check(memcmp(buf, reply, bs.len) == 0);
	if (n >= 0) {
		check((size_t)n == len && bs.len == len && len > 0);
		check(!lim.max_bytes || len <= lim.max_bytes);
		check(cmd != GS_AGENT_GC || (len == 2 && !memcmp(reply, "ok", 2)));
	} else {
		check(err.msg[0] && (err.code == EFBIG || err.code == EPROTO));
		if (err.code == EPROTO)
			check(len == 0 || cmd == GS_AGENT_GC);
		else
			check(want > bs.cap || want < len);
		if (len > 0 && len <= bs.cap && (!lim.max_bytes || len <= lim.max_bytes))
			check(cmd == GS_AGENT_GC && err.code == EPROTO);
	}

	/* Into a reader that gives up at once, with or without a reason. */
	len = size - 3 < REPLY_MAX ? size - 3 : REPLY_MAX;
	fd = pipe_with(reply, &len);
	if (fd < 0)
		return;
	err = (struct gs_err){ 0 };
	sink = (struct gs_agent_sink){ .fn = refuse_fn, .fd = -1 };
	n = gs_agent_read_reply(fd, cmd, &lim, &sink, "fuzz", &err);
	close(fd);
	check(n == -1 && err.msg[0]);
	check(len > 0 || err.code == EPROTO);
}

/* The stats parser, checked against strtoll on each line's own copy. */
static void fuzz_stats(const char *text, size_t len)
{
	static const char *const keys[4] = {
		"goroutines", "OS threads", "GOMAXPROCS", "num CPU",
	};
	struct gs_agent_stats s;
	struct gs_err err = { 0 };
	int64_t last[4] = { 0 };
	const char *p = text, *end = text + len;

	if (gs_agent_stats_parse(text, len, &s, &err) < 0) {
		check(err.code == EPROTO && err.msg[0]);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256], *e;

		for (int k = 0; k < 4; k++) {
			size_t kl = strlen(keys[k]);

			if (n <= kl || n >= sizeof(line) || memcmp(p, keys[k], kl) ||
			    p[kl] != ':')
				continue;
			/* Accepted: the value has no NUL, so strtoll sees it all. */
			check(!memchr(p, 0, n));
			memcpy(line, p + kl + 1, n - kl - 1);
			line[n - kl - 1] = 0;
			errno = 0;
			last[k] = strtoll(line, &e, 10);
			check(errno == 0 && *e == 0 && e != line);
		}
		p += n + (nl ? 1 : 0);
	}
	/* Lines of 256 bytes or more were not cross-checked. */
	if (len < 256) {
		check(s.goroutines == last[0] && s.threads == last[1]);
		check(s.gomaxprocs == last[2] && s.ncpu == last[3]);
	}
}

struct fields_ctx {
	json_t *o;
	const char *text;
	size_t len;
};

static int field_fn(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
	struct fields_ctx *c = ctx;
	char key[GS_AGENT_KEY_MAX], *val;
	int64_t x;

	/* Within the text, one line, the rules of reply.h. */
	check(k >= c->text && v + vl <= c->text + c->len && v == k + kl + 2);
	check(kl > 0 && kl < GS_AGENT_KEY_MAX && k[kl] == ':' && k[kl + 1] == ' ');
	check(!memchr(k, ':', kl) && !memchr(k, '\n', kl) && !memchr(v, '\n', vl));
	check(k == c->text || k[-1] == '\n');
	check(v + vl == c->text + c->len || v[vl] == '\n');

	/* As the CLI does: key and value repaired by the one JSON string rule. */
	gs_utf8_fix(k, kl, key);
	key[kl] = '\0';
	if (gs_agent_field_int(v, vl, &x)) {
		check(x >= 0 && x <= 999999999999999999LL);
		json_object_set_new(c->o, key, json_integer((json_int_t)x));
	} else {
		json_t *jv;

		val = malloc(vl ? vl : 1);
		if (!val)
			return 0;
		gs_utf8_fix(v, vl, val);
		jv = json_stringn(val, vl);
		free(val);
		check(jv != NULL);
		json_object_set_new(c->o, key, jv);
	}
	return 0;
}

static void fuzz_fields(const char *text, size_t len)
{
	struct fields_ctx c = { .o = json_object(), .text = text, .len = len };
	char *s;

	check(gs_agent_fields(text, len, field_fn, &c) == 0);
	/* As the CLI does: cut at the first NUL. */
	c.len = strnlen(text, len);
	check(gs_agent_fields(text, c.len, field_fn, &c) == 0);
	s = json_dumps(c.o, JSON_COMPACT);
	free(s);
	json_decref(c.o);
}

static void fuzz_version(const char *buf, size_t n)
{
	size_t l = gs_agent_version_len(buf, n);

	check(l <= n);
	check(l == 0 || (buf[l - 1] != '\n' && buf[l - 1] != '\r'));
	for (size_t i = l; i < n; i++)
		check(buf[i] == '\n' || buf[i] == '\r');

	/* Taken: one line of printable ASCII, a go1 or devel version. */
	l = gs_agent_version_parse(buf, n);
	if (l == 0)
		return;
	check(l == gs_agent_version_len(buf, n) && l <= GS_AGENT_VERSION_MAX);
	for (size_t i = 0; i < l; i++)
		check(buf[i] >= 0x20 && buf[i] <= 0x7e);
	check((l >= 3 && memcmp(buf, "go1", 3) == 0) || (l > 6 && memcmp(buf, "devel ", 6) == 0));
}

/*
 * In chunks of any size, the same output, with no control left in it: as
 * text (newline, tab and CR LF pass) and as one field (none does).
 */
static void fuzz_tty_mode(const uint8_t *data, size_t size, size_t step, bool field)
{
	struct gs_ttysafe a = { .field = field }, b = { .field = field };
	size_t na = 0, nb = 0;
	uint8_t *whole, *parts;

	whole = malloc(GS_TTYSAFE_OUT(size));
	parts = malloc(GS_TTYSAFE_OUT(size) + size / step + 1);
	if (!whole || !parts)
		goto out;
	na = gs_ttysafe_chunk(&a, data, size, whole);
	na += gs_ttysafe_end(&a, whole + na);
	for (size_t i = 0; i < size; i += step) {
		size_t take = size - i < step ? size - i : step;

		nb += gs_ttysafe_chunk(&b, data + i, take, parts + nb);
	}
	nb += gs_ttysafe_end(&b, parts + nb);
	check(na == nb && memcmp(whole, parts, na) == 0);
	check(na <= size);
	for (size_t i = 0; i < na; i++) {
		check(whole[i] >= 0x20 ||
		      (!field && (whole[i] == '\n' || whole[i] == '\t' ||
				  (whole[i] == '\r' && i + 1 < na && whole[i + 1] == '\n'))));
		check(whole[i] != 0x7f);
		check(!(whole[i] == 0xc2 && i + 1 < na && whole[i + 1] >= 0x80 && whole[i + 1] <= 0x9f));
	}
out:
	free(whole);
	free(parts);
}

static void fuzz_tty(const uint8_t *data, size_t size)
{
	if (size < 1)
		return;
	fuzz_tty_mode(data + 1, size - 1, (size_t)data[0] + 1, false);
	fuzz_tty_mode(data + 1, size - 1, (size_t)data[0] + 1, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	size_t len;

	if (size < 1)
		return 0;
	if (data[0] % 5 == 0) {
		fuzz_read(data + 1, size - 1);
		return 0;
	}
	if (data[0] % 5 == 4) {
		fuzz_tty(data + 1, size - 1);
		return 0;
	}
	/* An exact-size copy, so ASan sees any read past len. */
	len = size - 1;
	text = malloc(len ? len : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, len);
	switch (data[0] % 5) {
	case 1:
		fuzz_stats(text, len);
		break;
	case 2:
		fuzz_fields(text, len);
		break;
	default:
		fuzz_version(text, len);
		break;
	}
	free(text);
	return 0;
}
