/* SPDX-License-Identifier: MIT */
#include "reply.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One read buffer per call, whatever the reply's size. */
#define CHUNK (64 * 1024)

/* ---- time and error text ------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A duration as Go prints short ones: 200ms, 10s, 1.5s. */
static void fmt_ms(int ms, char *buf, size_t sz)
{
	if (ms < 1000)
		snprintf(buf, sz, "%dms", ms);
	else if (ms % 1000 == 0)
		snprintf(buf, sz, "%ds", ms / 1000);
	else
		snprintf(buf, sz, "%gs", ms / 1000.0);
}

/*
 * The C text with a lower-case first letter, acronyms left alone, so our
 * messages read like the gops CLI's.
 */
void gs_agent_go_strerror(int e, char *buf, size_t sz)
{
	int saved = errno;	/* callers still pass errno on */
	char tmp[128];
	const char *s = strerror_r(e, tmp, sizeof(tmp));

	snprintf(buf, sz, "%s", s);
	if (isupper((unsigned char)buf[0]) && islower((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	errno = saved;
}

/* ---- sinks --------------------------------------------------------------- */

static int write_all(int fd, const unsigned char *b, size_t n, struct gs_err *err)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, -1);
			continue;
		}
		return gs_errf(err, w < 0 ? errno : EIO,
			       "cannot write the agent's reply: %s",
			       strerror(w < 0 ? errno : EIO));
	}
	return 0;
}

static int deliver(const struct gs_agent_sink *s, const unsigned char *b,
		   size_t n, struct gs_err *err)
{
	struct gs_err e = { 0 };

	if (!s || !n)
		return 0;
	if (!s->fn)
		return write_all(s->fd, b, n, err);
	if (s->fn(s->ctx, b, n, &e) == 0)
		return 0;
	/* A reader that gave up without saying why still must not look like success. */
	if (!e.msg[0])
		return gs_errf(err, e.code ? e.code : ECANCELED,
			       "the agent's reply was refused by its reader");
	if (err)
		*err = e;
	return -1;
}

int gs_agent_buf_sink_fn(void *ctx, const void *b, size_t n, struct gs_err *err)
{
	struct gs_agent_buf_sink *s = ctx;

	if (n > s->cap - s->len)
		return gs_errf(err, EFBIG, "agent reply longer than %zu bytes",
			       s->cap);
	memcpy(s->buf + s->len, b, n);
	s->len += n;
	return 0;
}

/* ---- the read loop ------------------------------------------------------- */

/* Up to sz-1 bytes of an unexpected reply, printable, for a message. */
static void quote(const unsigned char *b, size_t n, size_t total, char *buf,
		  size_t sz)
{
	size_t i, o = 0;

	buf[o++] = '"';
	for (i = 0; i < n && o + 6 < sz; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\')
			buf[o++] = (char)b[i];
		else
			o += (size_t)snprintf(buf + o, sz - o, "\\x%02x", b[i]);
	}
	buf[o++] = '"';
	buf[o] = 0;
	if (total > n && o + 4 < sz)
		strcat(buf, "...");
}

struct reply_state {
	uint64_t total;
	unsigned char head[16];	/* first bytes, to check gc's "ok" */
	size_t headlen;
};

ssize_t gs_agent_read_reply(int fd, int cmd, const struct gs_agent_timeouts *lim,
			    const struct gs_agent_sink *sink, const char *peer,
			    struct gs_err *err)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t start = now_ms(), last = start;
	struct reply_state st = { 0 };
	unsigned char *buf;
	char t[32], q[80];
	ssize_t ret = -1;

	buf = malloc(CHUNK);
	if (!buf)
		return gs_errf(err, ENOMEM, "out of memory");
	for (;;) {
		int64_t now = now_ms(), wait = last + lim->idle_ms - now;
		bool total_bound = false;
		ssize_t n;
		size_t take;
		int p;

		/* At a tie the deadline speaks: it is the limit the caller chose. */
		if (lim->total_ms > 0 && start + lim->total_ms - now <= wait) {
			wait = start + lim->total_ms - now;
			total_bound = true;
		}
		/* Nothing at all within the deadline reads as the silence it is. */
		if (wait <= 0 && total_bound && st.total) {
			fmt_ms(lim->total_ms, t, sizeof(t));
			gs_errf(err, ETIMEDOUT,
				"agent at %s did not finish its reply within %s (%" PRIu64 " bytes so far)",
				peer, t, st.total);
			goto out;
		}
		if (wait <= 0 && total_bound) {
			fmt_ms(lim->total_ms, t, sizeof(t));
			gs_errf(err, ETIMEDOUT, "agent at %s sent nothing for %s", peer, t);
			goto out;
		}
		if (wait <= 0) {
			fmt_ms(lim->idle_ms, t, sizeof(t));
			if (st.total)
				gs_errf(err, ETIMEDOUT,
					"agent at %s sent nothing for %s (after %" PRIu64 " bytes)",
					peer, t, st.total);
			else
				gs_errf(err, ETIMEDOUT, "agent at %s sent nothing for %s",
					peer, t);
			goto out;
		}
		p = poll(&pfd, 1, (int)wait);
		if (p < 0 && errno != EINTR) {
			gs_errf(err, errno, "poll: %s", strerror(errno));
			goto out;
		}
		if (p <= 0)
			continue;
		n = read(fd, buf, CHUNK);
		if (n < 0) {
			char why[128];

			if (errno == EINTR || errno == EAGAIN)
				continue;
			gs_agent_go_strerror(errno, why, sizeof(why));
			gs_errf(err, errno, "agent at %s: read: %s", peer, why);
			goto out;
		}
		if (n == 0)
			break;
		last = now_ms();
		/* The sink gets exactly max_bytes before the error, never more. */
		take = (size_t)n;
		if (lim->max_bytes && take > lim->max_bytes - st.total)
			take = (size_t)(lim->max_bytes - st.total);
		if (st.headlen < sizeof(st.head)) {
			size_t c = sizeof(st.head) - st.headlen;

			c = c < take ? c : take;
			memcpy(st.head + st.headlen, buf, c);
			st.headlen += c;
		}
		if (deliver(sink, buf, take, err))
			goto out;
		st.total += take;
		if (take < (size_t)n) {
			gs_errf(err, EFBIG, "agent at %s sent more than %" PRIu64 " bytes",
				peer, lim->max_bytes);
			goto out;
		}
	}
	/* Every real command answers something; silence means no agent spoke. */
	if (st.total == 0) {
		gs_errf(err, EPROTO, "agent at %s closed the connection without a reply",
			peer);
		goto out;
	}
	if (cmd == GS_AGENT_GC &&
	    (st.total != 2 || memcmp(st.head, "ok", 2) != 0)) {
		quote(st.head, st.headlen, st.total, q, sizeof(q));
		gs_errf(err, EPROTO, "agent at %s replied %s to gc instead of \"ok\"",
			peer, q);
		goto out;
	}
	ret = (ssize_t)st.total;
out:
	free(buf);
	return ret;
}

/* ---- text replies -------------------------------------------------------- */

/*
 * v[0..n) as one decimal int64, the way strtoll reads it (C locale blanks
 * before, an optional sign) but with nothing left over: the caller's line
 * must be the number and only the number.
 */
static bool parse_i64(const char *v, size_t n, int64_t *out)
{
	const uint64_t pos_max = INT64_MAX, neg_max = (uint64_t)INT64_MAX + 1;
	uint64_t x = 0, limit;
	bool neg = false;
	size_t i = 0;

	while (i < n && (v[i] == ' ' || (v[i] >= '\t' && v[i] <= '\r')))
		i++;
	if (i < n && (v[i] == '+' || v[i] == '-'))
		neg = v[i++] == '-';
	if (i == n)
		return false;
	limit = neg ? neg_max : pos_max;
	for (; i < n; i++) {
		unsigned int d;

		if (v[i] < '0' || v[i] > '9')
			return false;
		d = (unsigned int)(v[i] - '0');
		if (x > (limit - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (neg)
		*out = x == neg_max ? INT64_MIN : -(int64_t)x;
	else
		*out = (int64_t)x;
	return true;
}

int gs_agent_stats_parse(const char *text, size_t len, struct gs_agent_stats *out,
			 struct gs_err *err)
{
	static const char *const keys[4] = {
		"goroutines", "OS threads", "GOMAXPROCS", "num CPU",
	};
	const char *p = text, *end = text;
	int64_t v[4] = { 0 };
	unsigned int seen = 0;

	if (len)
		end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *colon = memchr(p, ':', n);

		for (int k = 0; colon && k < 4; k++) {
			size_t kl = (size_t)(colon - p);

			if (kl != strlen(keys[k]) || memcmp(p, keys[k], kl) != 0)
				continue;
			if (!parse_i64(colon + 1, n - kl - 1, &v[k]))
				return gs_errf(err, EPROTO, "agent sent a bad '%s' line",
					       keys[k]);
			seen |= 1u << k;
		}
		p += n + (nl ? 1 : 0);
	}
	if (seen != 0xf)
		return gs_errf(err, EPROTO,
			       "agent's stats reply lacks some of the four lines");
	out->goroutines = v[0];
	out->threads = v[1];
	out->gomaxprocs = v[2];
	out->ncpu = v[3];
	return 0;
}

int gs_agent_fields(const char *text, size_t len, gs_agent_field_fn fn, void *ctx)
{
	const char *p = text, *end;

	if (!len)
		return 0;
	end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(le - p));

		if (colon && colon > p && colon + 1 < le && colon[1] == ' ' &&
		    (size_t)(colon - p) < GS_AGENT_KEY_MAX) {
			int rc = fn(ctx, p, (size_t)(colon - p), colon + 2,
				    (size_t)(le - colon - 2));

			if (rc)
				return rc;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

bool gs_agent_field_int(const char *val, size_t vlen, int64_t *out)
{
	int64_t x = 0;

	if (vlen == 0 || vlen > 18)
		return false;
	for (size_t i = 0; i < vlen; i++) {
		if (val[i] < '0' || val[i] > '9')
			return false;
		x = x * 10 + (val[i] - '0');
	}
	*out = x;
	return true;
}

size_t gs_agent_version_len(const char *buf, size_t n)
{
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	return n;
}

/* Decimal digits at s[i..n): how many, 0 when none or more than 9. */
static size_t ver_digits(const char *s, size_t n, size_t i)
{
	size_t k = i;

	while (k < n && s[k] >= '0' && s[k] <= '9')
		k++;
	return k - i <= 9 ? k - i : 0;
}

static bool ver_suffix_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

size_t gs_agent_version_parse(const char *buf, size_t n)
{
	size_t len = gs_agent_version_len(buf, n), i = 3, d;

	if (len == 0 || len > GS_AGENT_VERSION_MAX)
		return 0;
	for (size_t k = 0; k < len; k++)
		if (buf[k] < 0x20 || buf[k] > 0x7e)
			return 0;
	if (len > 6 && memcmp(buf, "devel ", 6) == 0)
		return len;
	if (len < 3 || memcmp(buf, "go1", 3) != 0)
		return 0;
	if (i < len && buf[i] == '.') {
		if ((d = ver_digits(buf, len, i + 1)) == 0)
			return 0;
		i += 1 + d;
		if (i < len && buf[i] == '.') {
			if ((d = ver_digits(buf, len, i + 1)) == 0)
				return 0;
			i += 1 + d;
		} else if (len - i > 2 && memcmp(buf + i, "rc", 2) == 0) {
			if ((d = ver_digits(buf, len, i + 2)) == 0)
				return 0;
			i += 2 + d;
		} else if (len - i > 4 && memcmp(buf + i, "beta", 4) == 0) {
			if ((d = ver_digits(buf, len, i + 4)) == 0)
				return 0;
			i += 4 + d;
		}
	}
	if (i < len && buf[i] == '-') {
		size_t k = i + 1;

		while (k < len && ver_suffix_char(buf[k]))
			k++;
		if (k == i + 1)
			return 0;
		i = k;
	}
	/* The rest, after a space, was checked to be printable. */
	return i == len || buf[i] == ' ' ? len : 0;
}
