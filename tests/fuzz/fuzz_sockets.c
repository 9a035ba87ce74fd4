/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/net/{tcp,tcp6,udp,udp6,unix} tables and /proc/PID/fd link text.
 * Unix socket paths are chosen by any user; the first byte selects the
 * table kind, the rest is the table.
 */
#include "sockets.h"

#include <stdint.h>

static int visit(void *ctx, const struct gs_sock *s)
{
	bool v6 = s->kind == GS_SOCK_TCP6 || s->kind == GS_SOCK_UDP6;
	char buf[128];

	(void)ctx;
	gs_sock_status(s);
	gs_ip_str(s->laddr, v6, buf, sizeof(buf));
	gs_ip_str(s->raddr, v6, buf, sizeof(buf));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum gs_sock_kind kind;
	uint64_t inode;

	if (size < 1)
		return 0;
	kind = (enum gs_sock_kind)(data[0] % GS_SOCK_KINDS);
	gs_sock_parse_buf((const char *)data + 1, size - 1, kind, visit, NULL);
	gs_parse_socket_link((const char *)data + 1, size - 1, &inode);
	return 0;
}
