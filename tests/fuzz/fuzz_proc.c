/* SPDX-License-Identifier: MIT */
/*
 * The /proc text parsers. Any process can put almost anything into its comm,
 * cmdline and (through cgroup names) cgroup paths; the first byte selects
 * the parser, the rest is the file's content.
 */
#include "proc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cid[GS_CONTAINER_ID_LEN + 1], out[256], comm[16];
	struct gs_proc_status status;
	struct gs_proc_stat stat;
	struct gs_err err;
	const char *buf, *arg;
	size_t len, n;

	if (size < 1)
		return 0;
	buf = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 5) {
	case 0:
		gs_parse_stat(buf, len, &stat, &err);
		break;
	case 1:
		gs_parse_status(buf, len, &status, &err);
		break;
	case 2:
		gs_parse_cgroup_id(buf, len, cid);
		break;
	case 3:
		for (unsigned i = 0; i < 4; i++)
			gs_cmdline_arg(buf, len, i, &arg, &n);
		gs_cmdline_join(buf, len, out, sizeof(out));
		break;
	case 4:
		/* comm (up to 15 bytes, NUL-terminated) + cmdline */
		n = len < 15 ? len : 15;
		memcpy(comm, buf, n);
		comm[n] = 0;
		gs_proc_name(comm, buf + n, len - n, out, sizeof(out));
		break;
	}
	return 0;
}
