/* SPDX-License-Identifier: MIT */
#include "output.h"

#include <jansson.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ttysafe.h"
#include "utf8.h"


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
	/* Not UTF-8: each bad byte becomes '?' (utf8.h), the rest stays. */
	t = malloc(n ? n : 1);
	if (!t)
		return json_null();
	gs_utf8_fix(s, n, t);
	j = json_stringn(t, n);
	free(t);
	return j ? j : json_null();
}

json_t *gs_json_str(const char *s)
{
	return gs_json_strn(s, strlen(s));
}

/* ---- a JSON object streamed member by member ---- */

/* Indentation: 2 spaces a level, levels 1 to GS_JSTREAM_DEPTH + 1. */
#define SPACES "                                        "
_Static_assert(sizeof(SPACES) - 1 >= 2 * (GS_JSTREAM_DEPTH + 1), "indent");

static int put_newline(unsigned level)
{
	return putchar('\n') == EOF || fwrite(SPACES, 1, 2 * level, stdout) != 2 * level ? -1 : 0;
}

/* The flags gs_json_emit() renders a document with. */
static size_t dump_flags(void)
{
	return (gs_opts.pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_ENCODE_ANY;
}

/*
 * Text rendered at depth 0, written at level (members of the top object
 * are at level 1): jansson's layout at depth d is the depth-0 layout with
 * 2 * d more spaces after each newline, and a rendered string holds no raw
 * newline, so indenting after each is exact.
 */
static int put_at(const char *t, size_t n, unsigned level)
{
	while (gs_opts.pretty && n) {
		const char *nl = memchr(t, '\n', n);
		size_t k;

		if (!nl)
			break;
		k = (size_t)(nl - t);
		if (fwrite(t, 1, k, stdout) != k || put_newline(level))
			return -1;
		t += k + 1;
		n -= k + 1;
	}
	return fwrite(t, 1, n, stdout) == n ? 0 : -1;
}

/* v (stolen) as jansson writes it: the same escapes as a document built whole. */
static int put_json(json_t *v, unsigned level)
{
	size_t n;
	char *t;
	int rc = -1;

	if (!v)
		return -1;
	t = gs_jstream_render(v, &n);
	if (t)
		rc = put_at(t, n, level);
	free(t);
	json_decref(v);
	return rc;
}

char *gs_jstream_render(const json_t *v, size_t *n)
{
	char *t = json_dumps(v, dump_flags());

	*n = t ? strlen(t) : 0;
	return t;
}

/* What comes before a member or an element: the top object's "{", a comma, a newline. */
static int put_sep(struct gs_jstream *js)
{
	const char *sep = js->first ? (js->depth ? "" : "{") : ",";

	js->first = false;
	if (fputs(sep, stdout) == EOF)
		return -1;
	return gs_opts.pretty ? put_newline(js->depth + 1) : 0;
}

static int put_key(struct gs_jstream *js, const char *key)
{
	if (put_sep(js) || put_json(gs_json_str(key), 0))
		return -1;
	return fputs(gs_opts.pretty ? ": " : ":", stdout) == EOF ? -1 : 0;
}

void gs_jstream_begin(struct gs_jstream *js)
{
	memset(js, 0, sizeof(*js));
	js->first = true;
}

int gs_jstream_member(struct gs_jstream *js, const char *key, json_t *v)
{
	if (put_key(js, key)) {
		json_decref(v);
		return -1;
	}
	return put_json(v, js->depth + 1);
}

int gs_jstream_item(struct gs_jstream *js, json_t *v)
{
	if (put_sep(js)) {
		json_decref(v);
		return -1;
	}
	return put_json(v, js->depth + 1);
}

int gs_jstream_raw(struct gs_jstream *js, const char *key, const char *text, size_t n)
{
	if (put_key(js, key))
		return -1;
	return put_at(text, n, js->depth + 1);
}

static int open_nested(struct gs_jstream *js, char open, char close)
{
	if (js->depth >= GS_JSTREAM_DEPTH || putchar(open) == EOF)
		return -1;
	js->closer[js->depth++] = close;
	js->first = true;
	return 0;
}

int gs_jstream_arr_begin(struct gs_jstream *js, const char *key)
{
	if (js->depth >= GS_JSTREAM_DEPTH || put_key(js, key))
		return -1;
	return open_nested(js, '[', ']');
}

int gs_jstream_obj_begin(struct gs_jstream *js)
{
	if (js->depth >= GS_JSTREAM_DEPTH || put_sep(js))
		return -1;
	return open_nested(js, '{', '}');
}

/* As jansson closes one: "[]" when empty, else a newline at the outer level first. */
int gs_jstream_close(struct gs_jstream *js)
{
	bool empty = js->first;

	if (!js->depth)
		return -1;
	js->depth--;
	js->first = false;
	if (!empty && gs_opts.pretty && put_newline(js->depth + 1))
		return -1;
	return putchar(js->closer[js->depth]) == EOF ? -1 : 0;
}

int gs_jstream_str_begin(struct gs_jstream *js, const char *key)
{
	js->u = (struct gs_utf8){ 0 };
	if (put_key(js, key))
		return -1;
	return putchar('"') == EOF ? -1 : 0;
}

/* jansson's two-character escapes: the letter after the backslash, or 0. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '\\':
	case '"':
		return (char)c;
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	default:
		return 0;
	}
}

/*
 * Repaired text, escaped byte for byte as jansson escapes a string (so a
 * streamed string reads exactly as one built whole), without its quotes.
 * Nothing is allocated: a 200 MB reply costs no memory.
 */
static int put_str_body(const char *t, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		char e[8] = { '\\', short_escape(c), '\0' };

		if (!e[1] && c >= 0x20)
			continue;
		if (!e[1])
			snprintf(e, sizeof(e), "\\u%04X", c);
		if (fwrite(t + run, 1, i - run, stdout) != i - run || fputs(e, stdout) == EOF)
			return -1;
		run = i + 1;
	}
	return fwrite(t + run, 1, n - run, stdout) == n - run ? 0 : -1;
}

int gs_jstream_str_put(struct gs_jstream *js, const void *buf, size_t n)
{
	enum { STEP = 4096 };
	const char *p = buf;
	char t[GS_UTF8_OUT(STEP)];
	int rc = 0;

	while (n && rc == 0) {
		size_t take = n < STEP ? n : STEP, m = gs_utf8_chunk(&js->u, p, take, t);

		rc = put_str_body(t, m);
		p += take;
		n -= take;
	}
	return rc;
}

int gs_jstream_str_end(struct gs_jstream *js)
{
	char t[4];
	size_t m = gs_utf8_end(&js->u, t);

	if (m && put_str_body(t, m))
		return -1;
	return putchar('"') == EOF ? -1 : 0;
}

int gs_jstream_end(struct gs_jstream *js)
{
	/* A writer that stopped midway still leaves one well-formed document. */
	while (js->depth)
		if (gs_jstream_close(js))
			return -1;
	if (js->first && fputs("{", stdout) == EOF)
		return -1;
	if (fputs(gs_opts.pretty && !js->first ? "\n}\n" : "}\n", stdout) == EOF)
		return -1;
	return fflush(stdout) == EOF ? -1 : 0;
}

/* ---- text from outside ---- */

static void write_filtered(struct gs_ttysafe *ts, const char *s, size_t n, FILE *f)
{
	uint8_t out[GS_TTYSAFE_OUT(1024)];
	size_t m;

	while (n) {
		size_t take = n < 1024 ? n : 1024;

		m = gs_ttysafe_chunk(ts, (const uint8_t *)s, take, out);
		fwrite(out, 1, m, f);
		s += take;
		n -= take;
	}
	m = gs_ttysafe_end(ts, out);
	fwrite(out, 1, m, f);
}

void gs_fwrite_safe(const char *s, size_t n, FILE *f)
{
	struct gs_ttysafe ts = { .field = true };

	write_filtered(&ts, s, n, f);
}

void gs_fwrite_text_safe(const char *s, size_t n, FILE *f)
{
	struct gs_ttysafe ts = { 0 };

	write_filtered(&ts, s, n, f);
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
	/* Messages name files, processes and replies: the terminal filter too. */
	fflush(stdout);
	fputs("Error: ", stderr);
	gs_fwrite_text_safe(msg, strlen(msg), stderr);
	fputc('\n', stderr);
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
	char *msg = NULL;
	va_list ap;
	int n;

	fflush(stdout);
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs("goscope: ", stderr);
	/* As for errors: what a warning names goes through the terminal filter. */
	if (n >= 0)
		gs_fwrite_text_safe(msg, (size_t)n, stderr);
	else
		fputs("(out of memory while formatting a warning)", stderr);
	fputc('\n', stderr);
	free(msg);
}
