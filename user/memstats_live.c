// SPDX-License-Identifier: MIT
/*
 * gops' memstats lines read agentlessly (memstats_live.h): the library
 * reads (livememstats.h), this file only prints, in the formats of the gops
 * agent (gopsfmt.h) and in goscope's JSON.
 */
#include "memstats_live.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "godur.h"
#include "golist.h"
#include "gopsfmt.h"
#include "liveread.h"
#include "output.h"
#include "proc.h"

int gs_memstats_live(int pid, struct gs_live_memstats *ms, struct gs_err *err)
{
	struct gs_rt_layout *lay;
	struct gs_live lv;
	int rc = -1;

	if (gs_live_open_pid(&lv, pid, &lay, err) == 0)
		rc = gs_live_memstats(&lv, ms, err);
	free(lay);
	return rc;
}

/* How gops prints each line's value. */
enum kind { BYTES, COUNT, GOAL, WHEN, DURATION, FLOAT, BOOL };

static enum kind kind_of(enum gs_ms_line l)
{
	switch (l) {
	case GS_MS_LOOKUPS: case GS_MS_MALLOCS: case GS_MS_FREES: case GS_MS_HEAP_OBJECTS:
	case GS_MS_PAUSE: case GS_MS_PAUSE_END: case GS_MS_NUM_GC: case GS_MS_NUM_FORCED_GC:
		return COUNT;
	case GS_MS_NEXT_GC: return GOAL;
	case GS_MS_LAST_GC: return WHEN;
	case GS_MS_PAUSE_TOTAL: return DURATION;
	case GS_MS_GC_CPU_FRACTION: return FLOAT;
	case GS_MS_ENABLE_GC: case GS_MS_DEBUG_GC: return BOOL;
	default: return BYTES;
	}
}

/* The value as gops' agent writes it after "key: ". */
static void format(enum gs_ms_line l, const struct gs_lms_val *v, char *buf, size_t sz)
{
	char b[96];

	switch (kind_of(l)) {
	case BYTES:
		gs_fmt_gops_bytes(v->u, buf, sz);
		break;
	case COUNT:
		snprintf(buf, sz, "%" PRIu64, v->u);
		break;
	case GOAL:
		gs_fmt_gops_bytes(v->u, b, sizeof(b));
		snprintf(buf, sz, "when heap-alloc >= %s", b);
		break;
	case WHEN:
		if (v->u == 0)
			snprintf(buf, sz, "-");
		else
			gs_fmt_go_time((int64_t)v->u, buf, sz);
		break;
	case DURATION:
		gs_fmt_go_duration((int64_t)v->u, buf, sz);
		break;
	case FLOAT:
		gs_fmt_go_float(v->f, buf, sz);
		break;
	case BOOL:
		snprintf(buf, sz, "%s", v->u & 0xff ? "true" : "false");
		break;
	}
}

static int print_json(int pid, const struct gs_live_memstats *ms, const char *agent_err)
{
	json_t *doc = json_object(), *vals = json_object();
	int rc;

	json_object_set_new(doc, "pid", json_integer(pid));
	json_object_set_new(doc, "source", json_string("agentless"));
	json_object_set_new(doc, "agent_error", agent_err ? gs_json_str(agent_err) : json_null());
	json_object_set_new(doc, "go_version", ms->version[0] ? gs_json_str(ms->version) : json_null());
	for (int l = 0; l < GS_MS_NLINES; l++) {
		const struct gs_lms_val *v = &ms->v[l];
		json_t *o = json_object();
		char text[128];

		if (!v->ok)
			json_object_set_new(o, "value", json_null());
		else if (l == GS_MS_GC_CPU_FRACTION)
			json_object_set_new(o, "value", json_real(v->f));
		else if (kind_of(l) == BOOL)
			json_object_set_new(o, "value", json_boolean(v->u & 0xff));
		else if (v->u > (uint64_t)INT64_MAX) {
			/* jansson's integers are signed: such a value (a goal with GC off) as text */
			snprintf(text, sizeof(text), "%" PRIu64, v->u);
			json_object_set_new(o, "value", json_string(text));
		} else
			json_object_set_new(o, "value", json_integer((json_int_t)v->u));
		if (v->ok) {
			format(l, v, text, sizeof(text));
			json_object_set_new(o, "text", gs_json_str(text));
		} else {
			json_object_set_new(o, "text", json_null());
		}
		json_object_set_new(o, "source",
				    json_string(gs_live_src_name(v->ok ? v->src : GS_LSRC_NONE)));
		json_object_set_new(o, "why", v->ok ? json_null() : gs_json_str(v->why));
		json_object_set_new(vals, gs_ms_line_key(l), o);
	}
	json_object_set_new(doc, "values", vals);
	rc = gs_json_emit(doc);
	json_decref(doc);
	return rc;
}

int gs_memstats_live_print(int pid, const struct gs_live_memstats *ms, const char *agent_err)
{
	if (gs_opts.json)
		return print_json(pid, ms, agent_err);
	for (int l = 0; l < GS_MS_NLINES; l++) {
		const struct gs_lms_val *v = &ms->v[l];
		char text[128];

		if (v->ok) {
			format(l, v, text, sizeof(text));
			printf("%s: %s\n", gs_ms_line_key(l), text);
		} else {
			printf("%s: unavailable (", gs_ms_line_key(l));
			gs_fputs_safe(v->why, stdout);
			printf(")\n");
		}
	}
	return GS_EXIT_OK;
}

int gs_memstats_agentless(int pid, const struct agent_opts *o, const char *agent_err,
			  struct gs_err *err)
{
	struct gs_live_memstats *ms = malloc(sizeof(*ms));
	int rc;

	(void)o;
	if (!ms)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	if (gs_memstats_live(pid, ms, err) < 0) {
		free(ms);
		/* Gone or not Go: nothing to read; the caller's error stands. */
		if (gs_proc_gone(err) || err->code == ENOEXEC)
			return -1;
		if (err->code == EPERM || err->code == EACCES)
			return gs_error(GS_EXIT_NOCAP,
					"memstats: PID %d: cannot read it (%s): needs the same user "
					"with ptrace access, or CAP_SYS_PTRACE", pid, err->msg);
		return gs_error(GS_EXIT_ERROR, "memstats: PID %d: %s", pid, err->msg);
	}
	rc = gs_memstats_live_print(pid, ms, agent_err);
	free(ms);
	return rc;
}
