/* SPDX-License-Identifier: MIT */
/*
 * The one error path and the shared output switches. Commands print results
 * through their own writers (text or JSON via jansson); errors only go
 * through gs_error()/gs_usage_error(), like bpftool: `Error: ...` on stderr
 * for people, or a JSON error object on stdout under --json. Also the
 * writers every command shares: JSON strings, and text from outside (names,
 * paths) made safe to print.
 */
#ifndef GOSCOPE_OUTPUT_H
#define GOSCOPE_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "utf8.h"

/* Exit codes (documented in README and --help). */
enum {
	GS_EXIT_OK = 0,
	GS_EXIT_ERROR = 1,	/* the command failed */
	GS_EXIT_USAGE = 2,	/* bad command line */
	GS_EXIT_NOCAP = 3,	/* missing privilege or kernel feature (BPF) */
};

struct gs_global_opts {
	bool json;
	bool pretty;
	int verbose;
};
extern struct gs_global_opts gs_opts;

/*
 * Call first in main: JSON documents are built through an allocator that
 * notices failure, so that a document with silently missing parts is never
 * printed.
 */
void gs_output_init(void);
/*
 * Print a JSON document as one line (indented with --pretty). Returns 0, or
 * GS_EXIT_ERROR after reporting when building (out of memory) or writing the
 * document failed. A failure is also remembered for gs_output_finish().
 */
int gs_json_emit(json_t *doc);
/*
 * Call last in main with the command's exit code: flushes stdout and turns a
 * write error (disk full, closed pipe) or an earlier output failure into a
 * reported error, so output is never silently incomplete.
 */
int gs_output_finish(int code);

/*
 * JSON strings, by the one rule for every string goscope writes in JSON
 * (docs/json.md): valid UTF-8 is kept, each byte that is not part of a
 * valid sequence becomes '?' (user/lib/utf8.h). Never NULL: json_null()
 * when out of memory.
 */
json_t *gs_json_str(const char *s);
json_t *gs_json_strn(const char *s, size_t n);

/*
 * A JSON object written to stdout member by member, for a document too
 * large to hold (an agent's stack dump, the list of every Go process): the
 * same strings, escapes and --pretty layout as gs_json_emit() gives a
 * document built whole. One member's string value may be streamed in
 * chunks (str_begin, str_put..., str_end); a sequence cut between chunks is
 * held, never broken. Arrays and objects nest: arr_begin opens an array
 * member, obj_begin an object inside an array, close ends the innermost.
 * end closes the top object with a newline and flushes. Each returns 0, or
 * -1 when writing failed or memory ran out (ferror(stdout) tells which) or
 * nesting went past GS_JSTREAM_DEPTH.
 */
#define GS_JSTREAM_DEPTH 8

struct gs_jstream {
	bool first;		/* the innermost open container has no member yet */
	struct gs_utf8 u;	/* the streamed string's held bytes */
	unsigned depth;		/* containers open inside the top object */
	char closer[GS_JSTREAM_DEPTH];	/* ']' or '}' for each */
};

void gs_jstream_begin(struct gs_jstream *js);
/* key: v, any value (stolen), in an object. */
int gs_jstream_member(struct gs_jstream *js, const char *key, json_t *v);
/* v (stolen) as the next element of an array. */
int gs_jstream_item(struct gs_jstream *js, json_t *v);
/*
 * key: text, where text is a value rendered once by gs_jstream_render()
 * and written as often as needed (one binary's facts for each of its
 * processes), laid out at the depth it lands at.
 */
int gs_jstream_raw(struct gs_jstream *js, const char *key, const char *text, size_t n);
/* v as gs_jstream_raw() takes it (malloc'd, *n bytes; NULL when out of memory). */
char *gs_jstream_render(const json_t *v, size_t *n);
int gs_jstream_arr_begin(struct gs_jstream *js, const char *key);
int gs_jstream_obj_begin(struct gs_jstream *js);
int gs_jstream_close(struct gs_jstream *js);
int gs_jstream_str_begin(struct gs_jstream *js, const char *key);
int gs_jstream_str_put(struct gs_jstream *js, const void *buf, size_t n);
int gs_jstream_str_end(struct gs_jstream *js);
int gs_jstream_end(struct gs_jstream *js);

/*
 * Text from outside as one field (a name, a path, a version), through the
 * one terminal filter (user/lib/ttysafe.h) whatever f is: every control
 * character — C0, newline and tab included, DEL, C1 in UTF-8 — is shown as
 * '?', so a name can neither forge a line nor drive a terminal.
 */
void gs_fputs_safe(const char *s, FILE *f);
void gs_fwrite_safe(const char *s, size_t n, FILE *f);
/* The same filter for text of several lines: newline, tab and CR LF pass. */
void gs_fwrite_text_safe(const char *s, size_t n, FILE *f);

/* Print an error (text or JSON) and return code, for `return gs_error(...)`. */
int gs_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error: the message plus "try 'goscope CMD --help'"; returns GS_EXIT_USAGE. */
int gs_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * getopt_long's '?' with opterr = 0: "unknown option '-x'" when optopt names
 * a short option, else the long one as written (argv[optind - 1]).
 */
/*
 * A warning on stderr (never JSON stdout); suppressed by nothing, printed
 * once per call. Errors and warnings pass the terminal filter as text of
 * several lines (gs_fwrite_text_safe): the names in them come from outside.
 */
void gs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
