/* SPDX-License-Identifier: MIT */
/*
 * What goscope makes of a gops agent's reply, apart from the socket: the
 * bounded read loop that streams it to a sink, and the parsers of the text
 * replies. The reply is hostile input (any process may run an "agent" on the
 * port a target's port file names), and everything here takes it as a file
 * descriptor or as bytes plus a length, so a pipe or a fuzzer can feed it as
 * well as the agent.
 *
 *	char buf[1024];
 *	struct gs_agent_stats s;
 *	ssize_t n;
 *
 *	n = gs_agent_call_buf(&a, GS_AGENT_STATS, 0, buf, sizeof(buf), NULL, &err);
 *	if (n < 0 || gs_agent_stats_parse(buf, (size_t)n, &s, &err) < 0)
 *		return gs_error(1, "%s", err.msg);
 *
 * Text replies are parsed by length, never up to a NUL: a NUL byte is an
 * ordinary byte of the line it sits in (see each parser for what that
 * means).
 */
#ifndef GOSCOPE_AGENT_REPLY_H
#define GOSCOPE_AGENT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "client.h"
#include "gserr.h"

/*
 * Read a reply from fd until EOF, chunk by chunk into sink (a NULL sink
 * discards it). lim must be filled in full, as gs_agent_default_timeouts()
 * leaves it: idle_ms > 0; total_ms and max_bytes 0 for no limit. peer names
 * the agent in messages ("127.0.0.1:36473"). fd may be blocking: it is
 * polled before each read.
 *
 * Returns the reply's length, or -1 with err: ETIMEDOUT (the idle or the
 * total limit, both counted from the call: "sent nothing for 3s" when not a
 * byte came, "did not finish its reply within 3s (N bytes so far)" for a
 * trickle), EFBIG (more than max_bytes; the first max_bytes went to the
 * sink), EPROTO (EOF before a byte, or gc's reply not exactly "ok"), the
 * sink's own error, or a read error.
 */
ssize_t gs_agent_read_reply(int fd, int cmd, const struct gs_agent_timeouts *lim,
			    const struct gs_agent_sink *sink, const char *peer,
			    struct gs_err *err);

/*
 * A sink into a caller's buffer: at most cap bytes (len so far); a longer
 * reply fails with EFBIG. It does not terminate the text: leave room for
 * the NUL yourself if you want one (gs_agent_call_buf does).
 */
struct gs_agent_buf_sink {
	char *buf;
	size_t cap;
	size_t len;
};

int gs_agent_buf_sink_fn(void *ctx, const void *buf, size_t len,
			 struct gs_err *err);

/* strerror as Go's syscall package spells it: "connection refused". */
void gs_agent_go_strerror(int e, char *buf, size_t sz);

/* ---- the stats reply ---- */

struct gs_agent_stats {
	int64_t goroutines;	/* "goroutines: N" */
	int64_t threads;	/* "OS threads: N" */
	int64_t gomaxprocs;	/* "GOMAXPROCS: N" */
	int64_t ncpu;		/* "num CPU: N" */
};

/*
 * Parse the stats reply: '\n'-separated lines, the key being everything
 * before a line's first ':'. All four keys are required, in any order, a
 * later line winning over an earlier one; lines with other keys are
 * ignored. A known key's value is a decimal int64 as strtoll takes it
 * (leading blanks, a sign) and must run to the end of its line, so "\r" or
 * a NUL after the number makes it a bad line. Returns 0, or -1 with EPROTO:
 * "agent sent a bad 'goroutines' line", or "agent's stats reply lacks some
 * of the four lines". out is written only on success.
 */
int gs_agent_stats_parse(const char *text, size_t len, struct gs_agent_stats *out,
			 struct gs_err *err);

/* ---- "key: value" replies (memstats, stats) ---- */

/* Keys this long or longer are skipped: a caller may copy them into this. */
#define GS_AGENT_KEY_MAX 128

typedef int (*gs_agent_field_fn)(void *ctx, const char *key, size_t klen,
				 const char *val, size_t vlen);

/*
 * Call fn for each line of text[0..len) that reads "key: value": '\n'
 * ends a line (the last one may lack it), the key is what precedes the
 * line's first ':', must be non-empty and shorter than GS_AGENT_KEY_MAX,
 * and ": " must follow it; the value is the rest of the line, possibly
 * empty, "\r" included. Other lines are skipped. key and val point into
 * text and may hold NUL bytes: a caller that needs C strings cuts the text
 * at its first NUL first. A non-zero return from fn stops the walk and is
 * returned; else 0.
 */
int gs_agent_fields(const char *text, size_t len, gs_agent_field_fn fn, void *ctx);

/*
 * A value that is a plain count: 1 to 18 ASCII digits, nothing else, so it
 * always fits an int64 (larger counts stay text rather than being guessed
 * at). Sets *out and returns true, or returns false.
 */
bool gs_agent_field_int(const char *val, size_t vlen, int64_t *out);

/* ---- the version reply ---- */

/* The length of buf[0..n) without its trailing '\n' and '\r' bytes. */
size_t gs_agent_version_len(const char *buf, size_t n);

/* The longest version reply taken, its line end aside. */
#define GS_AGENT_VERSION_MAX 255

/*
 * Is buf[0..n) a version reply, runtime.Version() as Go's toolchains make
 * it? Its trailing '\n' and '\r' bytes aside, it must be one line of 1 to
 * GS_AGENT_VERSION_MAX printable ASCII bytes (0x20-0x7e) that reads as
 *	go1 | go1.N | go1.N.M | go1.NrcK | go1.NbetaK	(N, M, K: 1-9 digits)
 * optionally followed by '-' and a build suffix of letters, digits and
 * "._+-" (a branch or development toolchain: go1.22-abc123,
 * go1.27-devel_abc1234), then optionally by a space and anything printable
 * (a development build's commit date, " X:loopvar" for experiments); or
 * "devel " and anything printable (older development builds: "devel
 * go1.22-abc123 Tue ...", "devel +abc123 ..."). Anything else -- a second
 * line, a control or non-ASCII byte, "unknown" -- is not a version, so an
 * agent cannot make `goscope version PID` print a line of its choosing.
 * Returns the version's length (gs_agent_version_len), or 0 when it is not one.
 */
size_t gs_agent_version_parse(const char *buf, size_t n);

#endif
