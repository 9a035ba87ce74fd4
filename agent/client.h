/* SPDX-License-Identifier: MIT */
/*
 * Client of the gops agent wire protocol (docs/gops-protocol.md §2), byte for byte:
 * one TCP connection per command, the request in one write, never a
 * half-close, the reply read until the agent closes. Unlike the gops CLI,
 * every wait is bounded (connect, idle read, and a deadline for the whole
 * reply, per command) and a reply is streamed to a sink chunk by chunk, so a
 * 200 MB binary dump never sits in memory.
 *
 *	struct gs_agent_addr a;
 *	struct gs_err err;
 *
 *	gs_agent_addr_local(&a, port);
 *	a.netns_pid = pid;		// optional: dial from the target's netns
 *	if (gs_agent_call(&a, GS_AGENT_STACK, 0, &(struct gs_agent_sink){
 *			.fn = NULL, .fd = 1 }, NULL, &err) < 0)
 *		return gs_error(1, "%s", err.msg);
 *
 * Connect failures come back as Go prints them, so the command layer can
 * keep gops' wording: err.code = errno, err.msg =
 * "dial tcp 127.0.0.1:36473: connect: connection refused"; the caller adds
 * its own prefix ("couldn't get port by PID: ").
 */
#ifndef GOSCOPE_AGENT_CLIENT_H
#define GOSCOPE_AGENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gserr.h"

/* The command byte is the whole request, except for setgc. */
enum gs_agent_cmd {
	GS_AGENT_STACK = 0x01,		/* text: every goroutine's stack */
	GS_AGENT_GC = 0x02,		/* runs a GC, replies exactly "ok" */
	GS_AGENT_MEMSTATS = 0x03,	/* text, "key: value" lines */
	GS_AGENT_VERSION = 0x04,	/* runtime.Version() + "\n" */
	GS_AGENT_HEAP_PROFILE = 0x05,	/* gzip'd pprof */
	GS_AGENT_CPU_PROFILE = 0x06,	/* pprof after a fixed 30 s */
	GS_AGENT_STATS = 0x07,		/* text, 4 lines */
	GS_AGENT_TRACE = 0x08,		/* runtime/trace data after a fixed 5 s */
	GS_AGENT_BINARY_DUMP = 0x09,	/* the target's executable */
	GS_AGENT_SETGC = 0x10,		/* + zig-zag varint in 10 bytes */
};

/* Longest request: setgc, 1 + 10 bytes. */
#define GS_AGENT_REQ_MAX 11

/* Default waits, in milliseconds. */
#define GS_AGENT_CONNECT_MS 3000
#define GS_AGENT_IDLE_MS 10000
#define GS_AGENT_CPU_PROFILE_IDLE_MS 45000	/* agent profiles 30 s first */
#define GS_AGENT_TRACE_IDLE_MS 20000		/* agent traces 5 s first */

/*
 * Default deadlines for a whole reply, from the request on: an agent that
 * drips a byte a second never runs into the idle limit, so this is what
 * ends it. Short for the small replies, which an agent writes at once;
 * long enough for the agent's own fixed 5 s trace and 30 s CPU profile and
 * for large dumps over a slow link.
 */
#define GS_AGENT_SMALL_TOTAL_MS 5000		/* memstats, setgc */
#define GS_AGENT_QUICK_TOTAL_MS 3000		/* stats, version: a fallback waits */
#define GS_AGENT_GC_TOTAL_MS 10000		/* a forced GC on a large heap */
#define GS_AGENT_DUMP_TOTAL_MS 60000		/* stack, heap profile, trace */
#define GS_AGENT_CPU_PROFILE_TOTAL_MS 90000	/* 30 s of profiling, then the data */
#define GS_AGENT_BINARY_TOTAL_MS 120000		/* an executable, possibly hundreds of MB */

/* Lower-case name ("stack", "heap profile", "setgc"), or NULL if unknown. */
const char *gs_agent_cmd_name(int cmd);

/* True for the ten command bytes above. */
bool gs_agent_cmd_valid(int cmd);

/*
 * Encode a request into buf: 1 byte, or exactly 11 for setgc (0x10, then
 * arg as Go's binary.PutVarint, zero-padded to 10 bytes). arg is used by
 * setgc only. Returns the length, or -1 for an unknown command.
 */
int gs_agent_encode(int cmd, int64_t arg, unsigned char buf[GS_AGENT_REQ_MAX],
		    struct gs_err *err);

/*
 * Parse setgc's argument as the gops CLI does: a decimal int64 (sign
 * allowed), or "off" in any case meaning -1. Anything else, including
 * spaces, an empty string and overflow, is an error (EINVAL / ERANGE).
 */
int gs_agent_parse_gc_percent(const char *s, int64_t *out, struct gs_err *err);

struct gs_agent_addr {
	char host[256];		/* name or numeric address without brackets; "" = local system */
	uint16_t port;
	/*
	 * Dial from inside another network namespace (needs CAP_SYS_ADMIN
	 * unless it is the caller's own): netns_fd >= 0 (an open
	 * /proc/PID/ns/net) wins over netns_pid > 0. Both off: netns_fd = -1,
	 * netns_pid = 0, as the two init functions below leave them.
	 */
	int netns_fd;
	int netns_pid;
};

/* 127.0.0.1:port in the caller's own network namespace (the gops CLI's dial). */
void gs_agent_addr_local(struct gs_agent_addr *a, uint16_t port);

/*
 * "host:port", "[v6]:port" or ":port" (the local system), port decimal
 * 1-65535. The namespace fields are reset.
 */
int gs_agent_addr_parse(struct gs_agent_addr *a, const char *hostport,
			struct gs_err *err);

/* "host:port" with brackets around an IPv6 host; -1 if buf is too small. */
int gs_agent_addr_str(const struct gs_agent_addr *a, char *buf, size_t sz);

/*
 * Where reply bytes go: fn(ctx, chunk) for each chunk read (non-zero return
 * aborts the call; fn fills err), or, when fn is NULL, full writes to fd.
 * A NULL sink pointer discards the reply.
 */
typedef int (*gs_agent_sink_fn)(void *ctx, const void *buf, size_t len,
				struct gs_err *err);

struct gs_agent_sink {
	gs_agent_sink_fn fn;
	void *ctx;
	int fd;
};

/*
 * Limits; a zero field means its default, so (struct gs_agent_timeouts){0}
 * or a NULL pointer is "the defaults for this command".
 */
struct gs_agent_timeouts {
	int connect_ms;		/* per dial: 3 s */
	int idle_ms;		/* longest silence while reading: 10 s; CPU profile 45 s, trace 20 s */
	int total_ms;		/* whole reply, request to close: per command, GS_AGENT_*_TOTAL_MS */
	uint64_t max_bytes;	/* larger replies fail with EFBIG: no limit */
};

/* The defaults for cmd, filled in explicitly (max_bytes: no limit). */
void gs_agent_default_timeouts(int cmd, struct gs_agent_timeouts *t);

/*
 * Run one command: connect, send the request, stream the reply to sink
 * until the agent closes. Returns the number of reply bytes, or -1 with err
 * set: errno-style code (ECONNREFUSED, ETIMEDOUT, EPROTO for a bad reply,
 * EFBIG over max_bytes, EPERM entering a namespace, ...) and a message. Bytes
 * handed to the sink before an error stay handed over.
 *
 * An agent that closes without a byte is an error for every command (each
 * real command has a reply). gc succeeds only on exactly "ok".
 */
ssize_t gs_agent_call(const struct gs_agent_addr *addr, int cmd, int64_t arg,
		      const struct gs_agent_sink *sink,
		      const struct gs_agent_timeouts *t, struct gs_err *err);

/*
 * gs_agent_call into buf for small text replies (version, stats, setgc):
 * at most sz - 1 bytes, NUL-terminated; a longer reply fails with EFBIG.
 */
ssize_t gs_agent_call_buf(const struct gs_agent_addr *addr, int cmd,
			  int64_t arg, char *buf, size_t sz,
			  const struct gs_agent_timeouts *t, struct gs_err *err);

#endif
