/* SPDX-License-Identifier: MIT */
/*
 * What agent discovery reads from a target that any user controls: its
 * environment (/proc/PID/environ), a port file's content, a passwd file in
 * its root; and what a user types: agent addresses, setgc arguments, Go
 * durations and sizes. The first byte selects the parser.
 */
#include "bytesize.h"
#include "client.h"
#include "godur.h"
#include "portfile.h"
#include "proc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The readings of a duration agree wherever they accept the same text. */
static void durations(const char *s)
{
	struct gs_err err;
	int64_t go, period;
	uint64_t opt;
	int rg = gs_parse_go_duration(s, &go, &err), rp = gs_parse_period(s, &period, &err);
	int ro = gs_parse_duration(s, &opt, &err);

	if ((rg == 0 && (rp != 0 || period != go)) ||
	    (ro == 0 && (rp != 0 || period < 0 || (uint64_t)period != opt)) ||
	    (rp == 0 && period >= 0 && ro != 0))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[4096], *s;
	struct gs_agent_addr a;
	struct gs_err err;
	const char *val;
	uint64_t mem;
	uint16_t port;
	int64_t v;
	size_t n, len;

	if (size < 1)
		return 0;
	len = size - 1;
	switch (data[0] % 6) {
	case 0:
		gs_environ_get((const char *)data + 1, len, "GOPS_CONFIG_DIR", &val, &n);
		gs_environ_get((const char *)data + 1, len, "HOME", &val, &n);
		break;
	case 1:
		gs_agent_parse_port((const char *)data + 1, len, &port, &err);
		break;
	case 2:
		gs_passwd_home((const char *)data + 1, len, 1000, out, sizeof(out));
		gs_parse_meminfo_total((const char *)data + 1, len, &mem);
		break;
	default:
		/* NUL-terminated string parsers */
		s = malloc(len + 1);
		if (!s)
			return 0;
		memcpy(s, data + 1, len);
		s[len] = 0;
		if (data[0] % 6 == 3)
			gs_agent_addr_parse(&a, s, &err);
		else if (data[0] % 6 == 4)
			gs_agent_parse_gc_percent(s, &v, &err);
		else {
			durations(s);
			gs_parse_size(s, UINT64_MAX, &mem, &err);
		}
		free(s);
		break;
	}
	return 0;
}
