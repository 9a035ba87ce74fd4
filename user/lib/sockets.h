/* SPDX-License-Identifier: MIT */
/*
 * sockets: which sockets a process holds, read from /proc as gops shows them
 * (docs/gops-protocol.md §4: one "local/remote" line per socket).
 *
 * Two halves, as in proc.h. The parsers take one line or a whole buffer of
 * /proc/PID/net/{tcp,tcp6,udp,udp6,unix} text and never touch the file
 * system, so fuzzers can feed them anything. The readers match the socket
 * inodes behind the links in /proc/PID/fd against those tables. The tables under
 * /proc/PID/net are the process's own network namespace, so a process in a
 * container shows its own sockets.
 */
#ifndef GOSCOPE_SOCKETS_H
#define GOSCOPE_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gserr.h"

/* A unix socket path is at most 108 bytes; '@' and the rest fit with room. */
#define GS_SOCK_PATH_MAX 256
/* Longest text of an address as gs_ip_str() writes it. */
#define GS_IP_STR_MAX 48

/* The order gops prints them in. */
enum gs_sock_kind {
	GS_SOCK_TCP4,
	GS_SOCK_TCP6,
	GS_SOCK_UDP4,
	GS_SOCK_UDP6,
	GS_SOCK_UNIX,
	GS_SOCK_KINDS
};

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum {
	GS_TCP_ESTABLISHED = 1,
	GS_TCP_LISTEN = 10,
};

struct gs_sock {
	enum gs_sock_kind kind;
	uint64_t inode;
	uint8_t laddr[16], raddr[16];	/* network byte order; IPv4 in the first 4 */
	uint16_t lport, rport;
	unsigned state;			/* TCP: 1..12; UDP: the kernel's value; unix: St */
	unsigned type;			/* unix: SOCK_STREAM (1), SOCK_DGRAM (2), SOCK_SEQPACKET (5) */
	char path[GS_SOCK_PATH_MAX];	/* unix: bound path, "@name" if abstract, "" if none */
};

/* ---- parsers ---- */

/* The file under /proc/PID/net for a kind ("tcp", "tcp6", "udp", "udp6", "unix"). */
const char *gs_sock_file(enum gs_sock_kind kind);
/* "tcp4", "tcp6", "udp4", "udp6", "unix". */
const char *gs_sock_kind_name(enum gs_sock_kind kind);

/*
 * One line (without its '\n') of a table of that kind. Returns 1 for a
 * socket, 0 for a line that is not one (the header, a blank line), -1 with
 * err for a record that does not parse.
 */
int gs_sock_parse_line(const char *line, size_t len, enum gs_sock_kind kind,
		       struct gs_sock *s, struct gs_err *err);

/*
 * Every socket line of a whole table in buf, in order; fn returning non-zero
 * stops the walk and is returned. Bad records are skipped.
 */
typedef int (*gs_sock_fn)(void *ctx, const struct gs_sock *s);
int gs_sock_parse_buf(const char *buf, size_t len, enum gs_sock_kind kind,
		      gs_sock_fn fn, void *ctx);

/* The inode in a /proc/PID/fd link's text, "socket:[12345]"; false for other files. */
bool gs_parse_socket_link(const char *s, size_t len, uint64_t *inode);

/*
 * An address as Go's net.IP.String() prints it (so the lines match gops):
 * dotted IPv4; IPv6 in lower-case hex with the longest run of two or more
 * zero groups as "::"; an IPv4-mapped IPv6 address as plain dotted IPv4.
 */
void gs_ip_str(const uint8_t *addr, bool v6, char *buf, size_t sz);

/* gops' name of a TCP state ("LISTEN", ...), "" for an unknown one. */
const char *gs_tcp_state_name(unsigned state);

/*
 * The status gops shows: the TCP state's name for TCP sockets, "NONE" for
 * UDP and unix ones.
 */
const char *gs_sock_status(const struct gs_sock *s);

/* ---- readers ---- */

struct gs_sock_list {
	struct gs_sock *v;
	size_t n, cap;
};

/*
 * The sockets pid holds, one per socket (however many descriptors point at
 * it), in gops' order: tcp4, tcp6, udp4, udp6, unix, each in table order.
 * Fails with ESRCH when the process is gone, EACCES/EPERM when its
 * descriptors may not be read. A table that is missing (no IPv6) is skipped.
 */
int gs_proc_sockets(int pid, struct gs_sock_list *out, struct gs_err *err);
void gs_sock_list_free(struct gs_sock_list *l);

/*
 * Does pid hold a listening TCP socket (v4 or v6) on port? 1 yes, 0 no,
 * -1 with err when that cannot be read.
 */
int gs_proc_listens(int pid, uint16_t port, struct gs_err *err);

#endif
