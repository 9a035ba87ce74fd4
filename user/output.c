/* SPDX-License-Identifier: MIT */
#include "output.h"

#include <jansson.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct gs_global_opts gs_opts;

/* Set when a JSON allocation failed or output could not be written. */
static bool json_oom, output_failed;

static void *json_track_malloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		json_oom = true;
	return p;
}

void gs_output_init(void)
{
	json_set_alloc_funcs(json_track_malloc, free);
}

int gs_json_emit(json_t *doc)
{
	size_t flags = gs_opts.pretty ? JSON_INDENT(2) : JSON_COMPACT;
	char *text;
	size_t len;

	if (!doc || json_oom) {
		output_failed = true;
		json_oom = false;
		fprintf(stderr, "Error: out of memory while building JSON output\n");
		return GS_EXIT_ERROR;
	}
	/* Render fully before writing, so a failure never leaves half a document. */
	text = json_dumps(doc, flags);
	if (!text || json_oom) {
		free(text);
		output_failed = true;
		json_oom = false;
		fprintf(stderr, "Error: out of memory while rendering JSON output\n");
		return GS_EXIT_ERROR;
	}
	len = strlen(text);
	if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF) {
		output_failed = true;
		fprintf(stderr, "Error: writing JSON output: %s\n", strerror(errno));
		free(text);
		return GS_EXIT_ERROR;
	}
	free(text);
	return 0;
}

int gs_output_finish(int code)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (!output_failed)
			fprintf(stderr, "Error: writing output: %s\n", strerror(errno));
		output_failed = true;
	}
	if (output_failed && code == GS_EXIT_OK)
		return GS_EXIT_ERROR;
	return code;
}

/* ---- JSON strings ---- */

json_t *gs_json_strn(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char *t;

	if (j)
		return j;
	/* Not UTF-8 (or an embedded NUL): keep ASCII, '?' for the rest. */
	t = malloc(n + 1);
	if (!t)
		return json_null();
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		t[i] = ch == 0 || ch >= 0x80 ? '?' : (char)ch;
	}
	t[n] = '\0';
	j = json_stringn(t, n);
	free(t);
	return j ? j : json_null();
}

json_t *gs_json_str(const char *s)
{
	return gs_json_strn(s, strlen(s));
}

/* ---- text from outside ---- */

void gs_fwrite_safe(const char *s, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
	}
}

void gs_fputs_safe(const char *s, FILE *f)
{
	gs_fwrite_safe(s, strlen(s), f);
}

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

int gs_bad_option(const char *cmd, int opt, const char *arg)
{
	if (opt)
		return gs_usage_error(cmd, "unknown option '-%c'", opt);
	return gs_usage_error(cmd, "unknown option '%s'", arg);
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
