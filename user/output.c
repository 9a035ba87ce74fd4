/* SPDX-License-Identifier: MIT */
#include "output.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

#include "golist.h"

struct gs_global_opts gs_opts;

static void __attribute__((format(printf, 3, 0)))
verror(const char *hint_cmd, bool hint, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (gs_opts.json) {
		json_t *o = json_object();

		json_object_set_new(o, "error", gs_json_str(msg));
		gs_json_emit(o);
		json_decref(o);
		return;
	}
	fflush(stdout);
	fprintf(stderr, "Error: %s\n", msg);
	if (hint)
		fprintf(stderr, "Try 'goscope %s%s--help' for more information.\n",
			hint_cmd ? hint_cmd : "", hint_cmd ? " " : "");
}

int gs_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(NULL, false, fmt, ap);
	va_end(ap);
	return code;
}

int gs_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(cmd, true, fmt, ap);
	va_end(ap);
	return GS_EXIT_USAGE;
}

void gs_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("goscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
