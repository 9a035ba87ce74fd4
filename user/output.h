/* SPDX-License-Identifier: MIT */
/*
 * The one error path and the shared output switches. Commands print results
 * through their own writers (text or JSON via jansson); errors only go
 * through gs_error()/gs_usage_error(), like bpftool: `Error: ...` on stderr
 * for people, or a JSON error object on stdout under --json.
 */
#ifndef GOSCOPE_OUTPUT_H
#define GOSCOPE_OUTPUT_H

#include <stdbool.h>

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
struct json_t;
int gs_json_emit(struct json_t *doc);
/*
 * Call last in main with the command's exit code: flushes stdout and turns a
 * write error (disk full, closed pipe) or an earlier output failure into a
 * reported error, so output is never silently incomplete.
 */
int gs_output_finish(int code);

/* Print an error (text or JSON) and return code, for `return gs_error(...)`. */
int gs_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error: the message plus "try 'goscope CMD --help'"; returns GS_EXIT_USAGE. */
int gs_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * getopt_long's '?' with opterr = 0: "unknown option '-x'" when optopt names
 * a short option, else the long one as written (argv[optind - 1]).
 */
int gs_bad_option(const char *cmd, int opt, const char *arg);
/* A warning on stderr (never JSON stdout); suppressed by nothing, printed once per call. */
void gs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
