// SPDX-License-Identifier: MIT
/*
 * Where agentless CPU profiles go, and what is said about them: the output
 * file (opened before sampling, so a bad -o costs nothing), the --all
 * directory, the text or --json summary.
 *
 * Files are opened, and removed after a failure, by the one rule of
 * outfile.c, as trace and pprof's files from an agent are.
 */
#include "profile_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "godur.h"
#include "golist.h"
#include "output.h"
#include "pprof.h"

#define TOP_TEXT	10

int gs_pout_dir(const char *dir, struct gs_err *err)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return gs_errf(err, errno, "%s: %s", dir, strerror(errno));
	if (lstat(dir, &st) < 0)
		return gs_errf(err, errno, "%s: %s", dir, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return gs_errf(err, ENOTDIR, "%s: not a directory (symbolic links are not followed)",
			       dir);
	if (!S_ISDIR(st.st_mode))
		return gs_errf(err, ENOTDIR, "%s: not a directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return gs_errf(err, errno, "%s: %s", dir, strerror(errno));
	return 0;
}

int gs_pout_write(struct gs_outfile *f, struct gs_pproc *p, struct gs_err *err)
{
	if (gs_pprof_write(p->prof, f->fd, err) < 0)
		return -1;
	snprintf(p->file, sizeof(p->file), "%s", f->path);
	if (gs_outfile_finish(f, err) < 0)
		return -1;
	p->file_bytes = f->is_stdout ? 0 : f->bytes;
	p->written = true;
	return 0;
}

int gs_pout_write_in_dir(const char *dir, struct gs_pproc *p, struct gs_err *err)
{
	char path[PATH_MAX], name[GS_COMM_MAX];
	struct gs_outfile f;

	/* The name comes from the process: keep it to a safe file name. */
	snprintf(name, sizeof(name), "%s", p->name);
	for (char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			*c = '_';
	if (snprintf(path, sizeof(path), "%s/cpu.%d.%s.pb.gz", dir, p->pid,
		     name[0] && name[0] != '.' ? name : "_") >= (int)sizeof(path))
		return gs_errf(err, ENAMETOOLONG, "%s: name too long", dir);
	if (gs_outfile_open(path, "cpu_profile", &f, err) < 0)
		return -1;
	if (gs_pout_write(&f, p, err) < 0) {
		gs_outfile_close(&f, true);
		return -1;
	}
	return 0;
}

/* ---- summaries ---- */

static json_t *top_json(const struct gs_pproc *p)
{
	json_t *a = json_array();

	for (size_t i = 0; i < p->ntop; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "function", gs_json_str(p->top[i].func));
		json_object_set_new(o, "flat", json_integer((json_int_t)p->top[i].flat));
		json_object_set_new(o, "cum", json_integer((json_int_t)p->top[i].cum));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *proc_json(const struct gs_psession *s, const struct gs_pproc *p)
{
	json_t *o = json_object();
	long hz = sysconf(_SC_CLK_TCK);

	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "name", gs_json_str(p->name));
	json_object_set_new(o, "exe", gs_json_str(p->bin->path));
	json_object_set_new(o, "go", gs_json_str(p->bin->cls->version));
	json_object_set_new(o, "build_id", p->bin->cls->buildid[0] ?
				gs_json_str(p->bin->cls->buildid) : json_null());
	json_object_set_new(o, "file", p->written && strcmp(p->file, "-") != 0 ?
				gs_json_str(p->file) : json_null());
	json_object_set_new(o, "file_bytes", json_integer((json_int_t)p->file_bytes));
	json_object_set_new(o, "samples", json_integer((json_int_t)p->samples));
	json_object_set_new(o, "exited", json_boolean(p->exited));
	if (p->cpu_known && hz > 0 && p->cpu_ticks1 >= p->cpu_ticks0) {
		unsigned long long ns = (p->cpu_ticks1 - p->cpu_ticks0) * (1000000000ull / (unsigned long long)hz);

		json_object_set_new(o, "cpu_ns", json_integer((json_int_t)ns));
	} else {
		json_object_set_new(o, "cpu_ns", json_null());
	}
	json_object_set_new(o, "symbols", json_boolean(p->bin->sym != NULL));
	json_object_set_new(o, "leaf_table", json_boolean(p->bin->sp_count != 0));
	json_object_set_new(o, "leaf_table_entries", json_integer(p->bin->sp_count));
	json_object_set_new(o, "top", top_json(p));
	(void)s;
	return o;
}

static json_t *stats_json(const struct gs_psession *s)
{
	json_t *o = json_object();

	uint64_t lost = s->stats[GS_CPS_LOST] + s->unattributed;

	json_object_set_new(o, "samples", json_integer((json_int_t)s->stats[GS_CPS_SAMPLES]));
	json_object_set_new(o, "lost", json_integer((json_int_t)lost));
	json_object_set_new(o, "stack_collisions",
			    json_integer((json_int_t)s->stats[GS_CPS_STACK_COLLISION]));
	json_object_set_new(o, "leaf_only", json_integer((json_int_t)s->stats[GS_CPS_LEAF_ONLY]));
	json_object_set_new(o, "stack_errors",
			    json_integer((json_int_t)s->stats[GS_CPS_STACK_ERROR]));
	json_object_set_new(o, "leaf_callers_recovered",
			    json_integer((json_int_t)s->stats[GS_CPS_LEAF_FIXED]));
	json_object_set_new(o, "leaf_in_chain",
			    json_integer((json_int_t)s->stats[GS_CPS_LEAF_IN_CHAIN]));
	json_object_set_new(o, "leaf_outside_table",
			    json_integer((json_int_t)s->stats[GS_CPS_LEAF_NO_TABLE]));
	json_object_set_new(o, "leaf_read_errors",
			    json_integer((json_int_t)s->stats[GS_CPS_LEAF_READ_ERROR]));
	json_object_set_new(o, "distinct_stacks", json_integer((json_int_t)s->keys));
	return o;
}

/* goscope's own cost, per phase (benchmarks). */
static json_t *cost_json(const struct gs_psession *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "setup_ns", json_integer(s->t0_ns - s->tstart_ns));
	json_object_set_new(o, "write_ns", json_integer(s->twritten_ns - s->t1_ns));
	json_object_set_new(o, "setup_cpu_ns", json_integer(s->cpu_ns[1] - s->cpu_ns[0]));
	json_object_set_new(o, "sampling_cpu_ns", json_integer(s->cpu_ns[2] - s->cpu_ns[1]));
	json_object_set_new(o, "write_cpu_ns", json_integer(s->cpu_ns[3] - s->cpu_ns[2]));
	return o;
}

static int summary_json(const struct gs_psession *s)
{
	json_t *doc = json_object(), *procs;
	int rc;

	json_object_set_new(doc, "command", gs_json_str(s->req->cmd));
	json_object_set_new(doc, "agentless", json_true());
	json_object_set_new(doc, "duration_ns", json_integer((json_int_t)(s->t1_ns - s->t0_ns)));
	json_object_set_new(doc, "period_ns", json_integer(GS_PPROF_CPU_PERIOD_NS));
	json_object_set_new(doc, "cpus", json_integer(s->ncpus));
	json_object_set_new(doc, "stats", stats_json(s));
	json_object_set_new(doc, "cost", cost_json(s));
	if (s->req->all) {
		procs = json_array();
		for (size_t i = 0; i < s->nprocs; i++)
			json_array_append_new(procs, proc_json(s, s->procs[i]));
		json_object_set_new(doc, "dir", gs_json_str(s->req->out));
		json_object_set_new(doc, "profiles", procs);
	} else if (s->nprocs) {
		json_object_update(doc, procs = proc_json(s, s->procs[0]));
		json_decref(procs);
	}
	rc = gs_json_emit(doc);
	json_decref(doc);
	return rc;
}

static void print_top(FILE *f, const struct gs_pproc *p)
{
	size_t n = p->ntop < TOP_TEXT ? p->ntop : TOP_TEXT;

	for (size_t i = 0; i < n; i++) {
		double pct = p->samples ? 100.0 * (double)p->top[i].flat / (double)p->samples : 0;

		fprintf(f, "  %8llu %5.1f%%  ", (unsigned long long)p->top[i].flat, pct);
		gs_fputs_safe(p->top[i].func, f);
		fputc('\n', f);
	}
}

int gs_pout_summary(const struct gs_psession *s)
{
	const uint64_t *st = s->stats;
	uint64_t lost = st[GS_CPS_LOST] + s->unattributed;
	uint64_t leaf_only = st[GS_CPS_LEAF_ONLY];
	/* With the profile on stdout, the words go to stderr. */
	FILE *f = s->to_stdout ? stderr : stdout;
	char dur[64];

	if (gs_opts.json)
		return summary_json(s);
	gs_fmt_go_duration(s->t1_ns - s->t0_ns, dur, sizeof(dur));
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct gs_pproc *p = s->procs[i];

		if (!p->written)
			continue;
		if (s->req->all) {
			fprintf(f, "%d ", p->pid);
			gs_fputs_safe(p->name, f);
			fprintf(f, ": %llu samples%s: ", (unsigned long long)p->samples,
				p->exited ? " (exited)" : "");
			gs_fputs_safe(p->file, f);
			fputc('\n', f);
			continue;
		}
		fprintf(f, "%llu samples in %s%s", (unsigned long long)p->samples, dur,
			p->exited ? " (the process exited)" : "");
		if (lost || leaf_only)
			fprintf(f, "; %llu lost, %llu with the leaf only", (unsigned long long)lost,
				(unsigned long long)leaf_only);
		fputc('\n', f);
		if (!p->bin->sym)
			fprintf(f, "no symbols (%s): addresses only\n", p->bin->sym_note);
		print_top(f, p);
		if (!s->to_stdout) {
			fprintf(f, "Profile dump saved to: ");
			gs_fputs_safe(p->file, f);
			fputc('\n', f);
		}
	}
	if (s->req->all)
		fprintf(f, "%zu profiles in %s, %llu lost samples\n", s->nprocs, dur,
			(unsigned long long)lost);
	return GS_EXIT_OK;
}
