/* SPDX-License-Identifier: MIT */
/*
 * Runtime struct layouts (rtoffsets.h): which struct and member path each
 * field is, read from the binary's DWARF (dwarf.h) or from the generated
 * table (rtlayout_table.c) for its exact Go version.
 */
#include "rtoffsets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf.h"
#include "rtlayout_int.h"

/* The structure types fields live in, found among top-level DIEs. */
enum { ST_SCHEDT, ST_P, ST_MSTATS, ST_GCCONTROLLER, ST_COUNT };
static const char *const struct_names[ST_COUNT] = {
	"runtime.schedt", "runtime.p", "runtime.mstats", "runtime.gcControllerState",
};

struct spec {
	int st;			/* ST_* */
	const char *path;	/* dotted member path */
	const char *global;
};

#define NALT 2
static const struct spec specs[GS_RT_NFIELDS][NALT] = {
	[GS_RT_SCHED_NGSYS] = { { ST_SCHEDT, "ngsys", "runtime.sched" } },
	[GS_RT_SCHED_GFREE_N] = { { ST_SCHEDT, "gFree.n", "runtime.sched" } },
	[GS_RT_SCHED_MNEXT] = { { ST_SCHEDT, "mnext", "runtime.sched" } },
	[GS_RT_SCHED_NMFREED] = { { ST_SCHEDT, "nmfreed", "runtime.sched" } },
	[GS_RT_P_GFREE_N] = { { ST_P, "gFree.n", NULL } },
	[GS_RT_MSTATS_NUMGC] = { { ST_MSTATS, "numgc", "runtime.memstats" } },
	/* Go 1.19+ keeps these in gcController; earlier in memstats. */
	[GS_RT_HEAP_INUSE] = { { ST_GCCONTROLLER, "heapInUse", "runtime.gcController" },
			       { ST_MSTATS, "heap_inuse", "runtime.memstats" } },
	[GS_RT_HEAP_LIVE] = { { ST_GCCONTROLLER, "heapLive", "runtime.gcController" },
			      { ST_MSTATS, "heap_live", "runtime.memstats" } },
};

static const char *const field_names[GS_RT_NFIELDS] = {
	[GS_RT_SCHED_NGSYS] = "sched.ngsys",
	[GS_RT_SCHED_GFREE_N] = "sched.gFree.n",
	[GS_RT_SCHED_MNEXT] = "sched.mnext",
	[GS_RT_SCHED_NMFREED] = "sched.nmfreed",
	[GS_RT_P_GFREE_N] = "p.gFree.n",
	[GS_RT_MSTATS_NUMGC] = "memstats.numgc",
	[GS_RT_HEAP_INUSE] = "heap in use",
	[GS_RT_HEAP_LIVE] = "heap live",
};

const char *gs_rt_field_name(enum gs_rt_field f)
{
	return (unsigned)f < GS_RT_NFIELDS && field_names[f] ? field_names[f] : "?";
}

const char *gs_rt_field_struct(enum gs_rt_field f)
{
	(void)f;
	return "?";
}

const char *gs_rt_const_name(enum gs_rt_const c)
{
	(void)c;
	return "?";
}

const char *gs_rt_source_name(enum gs_rt_source s)
{
	switch (s) {
	case GS_RT_SRC_DWARF: return "dwarf";
	case GS_RT_SRC_TABLE: return "table";
	default: return "none";
	}
}

const char *gs_rt_waitreason(const struct gs_rt_offsets *o, uint64_t reason)
{
	return o->wait && reason < o->nwait ? o->wait[reason] : NULL;
}

int gs_rt_alt_index(enum gs_rt_field f, const char *global)
{
	for (int a = 0; a < NALT && specs[f][a].path; a++)
		if ((!global && !specs[f][a].global) ||
		    (global && specs[f][a].global && strcmp(global, specs[f][a].global) == 0))
			return a;
	return -1;
}

/* ---- from DWARF ---- */

static void from_dwarf(struct gs_dwarf *d, struct gs_rt_offsets *o)
{
	uint64_t die[ST_COUNT];
	bool have[ST_COUNT];

	for (int k = 0; k < ST_COUNT; k++)
		have[k] = gs_dwarf_lookup(d, (size_t)k, &die[k]);
	o->src = GS_RT_SRC_DWARF;
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		for (int a = 0; a < NALT && specs[f][a].path; a++) {
			const struct spec *s = &specs[f][a];
			struct gs_rt_loc *l = &o->f[f];
			struct gs_dwarf_field fd;

			if (!have[s->st] || gs_dwarf_field(d, die[s->st], s->path, true, &fd) < 0 ||
			    (fd.size != 4 && fd.size != 8) || fd.off > UINT32_MAX - 8)
				continue;
			l->known = true;
			l->global = s->global;
			l->off = (uint32_t)fd.off;
			l->size = (uint32_t)fd.size;
			break;
		}
	}
}

static const struct gs_dwarf_opts dwarf_opts = {
	.names = struct_names,
	.nnames = ST_COUNT,
};

int gs_rt_offsets_dwarf_raw(const struct gs_elf *e, const uint8_t *info, size_t info_len,
			    const uint8_t *abbrev, size_t abbrev_len, struct gs_rt_offsets *o,
			    struct gs_err *err)
{
	struct gs_dwarf *d;

	memset(o, 0, sizeof(*o));
	if (gs_dwarf_open_raw(e, info, info_len, abbrev, abbrev_len, &dwarf_opts, &d, err) < 0)
		return -1;
	from_dwarf(d, o);
	gs_dwarf_close(d);
	return 0;
}

int gs_rt_offsets_dwarf(const struct gs_elf *e, struct gs_rt_offsets *o, struct gs_err *err)
{
	struct gs_dwarf *d;

	memset(o, 0, sizeof(*o));
	if (gs_dwarf_open(e, &dwarf_opts, &d, err) < 0)
		return -1;
	from_dwarf(d, o);
	gs_dwarf_close(d);
	return 0;
}

/* ---- from the table ---- */

/*
 * "go1.21.13" -> line "go1.21" (length *linelen) and patch 13; "go1.21" is
 * patch 0. Anything else (rc, beta, devel, suffixes) is no exact version.
 */
static bool parse_version(const char *v, size_t *linelen, unsigned *patch)
{
	const char *p = v;
	unsigned long n;
	char *end;

	if (strncmp(p, "go1.", 4) != 0 || p[4] < '0' || p[4] > '9')
		return false;
	n = strtoul(p + 4, &end, 10);
	if (n > 1000)
		return false;
	*linelen = (size_t)(end - v);
	*patch = 0;
	if (*end == '\0')
		return true;
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	n = strtoul(end + 1, &end, 10);
	if (*end != '\0' || n > UINT16_MAX)
		return false;
	*patch = (unsigned)n;
	return true;
}

int gs_rt_offsets_table(const char *goversion, uint16_t machine, struct gs_rt_offsets *o,
			struct gs_err *err)
{
	size_t linelen;
	unsigned patch;

	memset(o, 0, sizeof(*o));
	if (!goversion)
		return gs_errf(err, ENOENT, "no Go version to pick an offset table row");
	if (!parse_version(goversion, &linelen, &patch))
		return gs_errf(err, ENOENT, "no offset table row for %s on this architecture",
			       goversion);
	for (size_t i = 0; i < gs_rt_nrows; i++) {
		const struct gs_rt_row *row = &gs_rt_rows[i];

		if (row->machine != machine || strlen(row->line) != linelen ||
		    strncmp(row->line, goversion, linelen) != 0 || patch < row->patch_lo ||
		    patch > row->patch_hi)
			continue;
		o->src = GS_RT_SRC_TABLE;
		o->row = row->toolchain;
		for (int f = 0; f < GS_RT_NFIELDS; f++) {
			const struct gs_rt_cell *c = &row->cell[f];

			if (!c->size || c->alt >= NALT || !specs[f][c->alt].path)
				continue;
			o->f[f].known = true;
			o->f[f].off = c->off;
			o->f[f].size = c->size;
			o->f[f].count = c->count;
			o->f[f].global = specs[f][c->alt].global;
		}
		memcpy(o->c, row->cval, sizeof(o->c));
		o->wait = row->wait;
		o->nwait = row->nwait;
		return 0;
	}
	return gs_errf(err, ENOENT, "no offset table row for %s on this architecture", goversion);
}

int gs_rt_offsets_find(const struct gs_elf *e, const char *goversion, struct gs_rt_offsets *o,
		       struct gs_err *err)
{
	struct gs_err derr;

	if (gs_rt_offsets_dwarf(e, o, &derr) == 0)
		return 0;
	if (gs_rt_offsets_table(goversion, e->machine, o, err) == 0) {
		snprintf(o->dwarf_why, sizeof(o->dwarf_why), "%.*s", GS_RT_WHY - 1, derr.msg);
		return 0;
	}
	snprintf(o->dwarf_why, sizeof(o->dwarf_why), "%.*s", GS_RT_WHY - 1, derr.msg);
	return gs_errf(err, ENOENT, "no runtime layout for %s",
		       goversion ? goversion : "an unknown Go version");
}
