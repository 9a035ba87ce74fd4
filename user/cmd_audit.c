/* SPDX-License-Identifier: MIT */
/*
 * goscope audit [--path PATH]... [--min-go VERSION] [--osv DIR] [--format F]
 *
 * Every Go process on the host, or with --path every Go binary on disk,
 * with what a fleet owner asks of it: Go version and whether it is still
 * supported, module, VCS revision, build settings, processes running it and
 * their containers, policy violations and known vulnerabilities.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "cliopt.h"
#include "commands.h"
#include "output.h"
#include "ttysafe.h"

enum fmt { FMT_TABLE, FMT_CSV, FMT_PROM, FMT_JSON };

static void help(void)
{
	const struct gs_gorelease *n = gs_gorelease_newest();
	char newest[32];

	gs_gorelease_name(n, newest, sizeof(newest));
	printf("Usage: goscope [OPTIONS] audit [--path PATH]... [PATH...] [--min-go VERSION]\n"
	       "                          [--osv DIR] [--format table|csv|prom|json]\n"
	       "\n"
	       "Report every Go process on the host, one row per binary it runs (per\n"
	       "container); with --path (or PATH arguments), every Go binary under the\n"
	       "given files and directories instead, with the processes running each.\n"
	       "Columns: path, PIDs, Go version, support status, main module and version,\n"
	       "VCS revision and time, cgo, PIE, -trimpath, GOAMD64, GOEXPERIMENT,\n"
	       "stripped, container id.\n"
	       "\n"
	       "  --path PATH        scan PATH (repeatable): directories recursively, never\n"
	       "                     following a symbolic link inside them, one parse per\n"
	       "                     inode; FIFOs, devices and sockets are skipped, and so\n"
	       "                     are proc/sys-like file systems. PATH itself may be a link\n"
	       "  --xdev             do not descend into other file systems\n"
	       "  --threads N        scan with N threads (default: CPUs, at most 8)\n"
	       "  --min-go VERSION   policy: binaries built with an older Go (e.g. go1.22.4)\n"
	       "                     are violations, and the exit code says so\n"
	       "  --osv DIR          list the OSV records in DIR (*.json, the format of Go's\n"
	       "                     vulnerability database) that affect each binary's Go\n"
	       "                     version (\"stdlib\") or modules; offline\n"
	       "  --format F         table (default), csv (RFC 4180), prom (Prometheus text\n"
	       "                     format for node_exporter's textfile collector), json\n"
	       "                     (same as the global --json; docs/json.md)\n"
	       "  -h, --help         print this help\n"
	       "\n"
	       "Support status: a Go major release is supported until two newer majors\n"
	       "exist; judged against goscope's built-in table of Go releases (newest: %s,\n"
	       "%s). \"unknown\": newer than the table, a development build, or no\n"
	       "exact version.\n"
	       "\n"
	       "Files or directories that cannot be read are counted once on stderr (-v\n"
	       "lists them). Processes that cannot be inspected likewise.\n"
	       "\n"
	       "Exit codes: 0 no policy violation, 4 policy violations found (--min-go),\n"
	       "1 the audit failed or a --path could not be read (4 wins when both),\n"
	       "2 bad command line.\n",
	       newest, n->date);
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > 8 ? 8 : (unsigned)n;
}

static void osv_skip(void *arg, const char *file, const char *why)
{
	(void)arg;
	gs_warn("%s: %s; record skipped", file, why);
}

static bool parse_threads(const char *s, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s < '0' || *s > '9' || *end || v < 1 || v > 16)
		return false;
	*out = (unsigned)v;
	return true;
}

/* The once-per-run notes on stderr. */
static void report(const struct audit_run *r)
{
	const struct audit_walk_stats *s = &r->ws;

	if (s->unreadable) {
		if (gs_opts.verbose) {
			for (size_t i = 0; i < r->n_unreadable_list; i++)
				gs_warn("cannot read %s", r->unreadable_list[i]);
		}
		gs_warn("%lu file%s or director%s could not be read (first: %s)%s",
			s->unreadable, s->unreadable == 1 ? "" : "s",
			s->unreadable == 1 ? "y" : "ies", s->first_unreadable,
			gs_opts.verbose ? "" : "; use -v to list them");
	}
	if (s->too_deep)
		gs_warn("%lu director%s deeper than 128 levels not scanned", s->too_deep,
			s->too_deep == 1 ? "y" : "ies");
	if (r->have_procs)
		gs_golist_report(&r->procs);
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'P' },
		{ "min-go", required_argument, NULL, 'm' },
		{ "osv", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, 't' },
		{ "xdev", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_run r;
	struct gs_err err = { 0 };
	enum fmt fmt = FMT_TABLE;
	bool fmt_given = false;
	char **paths;
	size_t npaths = 0;
	int c, rc = GS_EXIT_OK;

	memset(&r, 0, sizeof(r));
	r.threads = default_threads();
	paths = calloc((size_t)argc + 1, sizeof(*paths));
	if (!paths)
		return gs_error(GS_EXIT_ERROR, "out of memory");

	opterr = 0;
	while ((c = gs_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'P':
			paths[npaths++] = optarg;
			break;
		case 'm':
			if (!gs_gover_parse_strict(optarg, &r.min)) {
				free(paths);
				return gs_usage_error("audit",
						      "--min-go: '%s' is not a Go version such as "
						      "go1.22 or go1.22.4", optarg);
			}
			r.have_min = true;
			r.min_text = optarg;
			break;
		case 'o':
			r.osv_dir = optarg;
			break;
		case 'f':
			fmt_given = true;
			if (!strcmp(optarg, "table"))
				fmt = FMT_TABLE;
			else if (!strcmp(optarg, "csv"))
				fmt = FMT_CSV;
			else if (!strcmp(optarg, "prom"))
				fmt = FMT_PROM;
			else if (!strcmp(optarg, "json"))
				fmt = FMT_JSON;
			else {
				free(paths);
				return gs_usage_error("audit", "--format: unknown format '%s' "
							       "(table, csv, prom, json)", optarg);
			}
			break;
		case 't':
			if (!parse_threads(optarg, &r.threads)) {
				free(paths);
				return gs_usage_error("audit", "--threads: '%s' is not a number "
							       "from 1 to 16", optarg);
			}
			break;
		case 'x':
			r.xdev = true;
			break;
		case 'h':
			free(paths);
			help();
			return GS_EXIT_OK;
		default:
			free(paths);
			return gs_getopt_error("audit", argv);
		}
	}
	for (; optind < argc; optind++)
		paths[npaths++] = argv[optind];
	/* --json anywhere on the line, unless --format says otherwise */
	if (!fmt_given && gs_opts.json)
		fmt = FMT_JSON;
	r.path_mode = npaths > 0;
	/* Errors come as JSON exactly when the output is JSON. */
	gs_opts.json = fmt == FMT_JSON;

	if (r.osv_dir && gs_osv_load(r.osv_dir, osv_skip, NULL, &r.osv, &err)) {
		free(paths);
		return gs_error(GS_EXIT_ERROR, "--osv: %s", err.msg);
	}
	/* The /proc scan runs while the walker's threads read the trees. */
	if (r.path_mode && audit_walk_begin(&r, paths, npaths) < 0) {
		rc = gs_error(GS_EXIT_ERROR, "out of memory");
		goto out;
	}
	if (audit_procs(&r, &err) < 0) {
		/* Without --path the processes are the audit; with it, only a column. */
		if (!r.path_mode) {
			rc = gs_error(GS_EXIT_ERROR, "%s", err.msg);
			goto out;
		}
		gs_warn("processes not listed: %s", err.msg);
	}
	if (r.path_mode && (audit_walk_end(&r) < 0 || audit_attach(&r) < 0)) {
		rc = gs_error(GS_EXIT_ERROR, "out of memory");
		goto out;
	}
	audit_facts(&r);
	audit_sort(&r);
	switch (fmt) {
	case FMT_CSV:
	case FMT_PROM: {
		/* On a terminal, through the terminal filter; piped, byte for byte. */
		FILE *f = gs_ttysafe_open(stdout);

		if (!f) {
			rc = gs_error(GS_EXIT_ERROR, "out of memory");
			goto out;
		}
		if (fmt == FMT_CSV)
			audit_print_csv(&r, f);
		else
			audit_print_prom(&r, f);
		gs_ttysafe_close(f, stdout);	/* a failed write is seen at exit */
		break;
	}
	case FMT_JSON:
		if (audit_print_json(&r)) {
			rc = GS_EXIT_ERROR;
			goto out;
		}
		break;
	default:
		audit_print_table(&r);
		break;
	}
	report(&r);
	if (r.violations)
		rc = GS_EXIT_VIOLATION;
	else if (r.arg_errors)
		rc = GS_EXIT_ERROR;
out:
	audit_free(&r);
	free(paths);
	return rc;
}
