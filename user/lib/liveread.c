/* SPDX-License-Identifier: MIT */
/*
 * Runtime state of a live Go process, read from outside (see liveread.h):
 * the value names and the layout of one executable. The load bias is in
 * livemaps.c, the reads and the values in livesample.c.
 */
#include "liveread.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "classify.h"
#include "liveread_int.h"
#include "proc.h"
#include "x86scan.h"


/* ---- names ---- */

static const char *const value_names[GS_LV_COUNT] = {
	"goroutines", "OS threads", "GOMAXPROCS", "num CPU", "num GC", "heap in use", "heap live",
};
static const char *const value_keys[GS_LV_COUNT] = {
	"goroutines", "threads", "gomaxprocs", "ncpu", "numgc", "heap_inuse", "heap_live",
};

const char *gs_live_value_name(enum gs_live_value v)
{
	return (unsigned)v < GS_LV_COUNT ? value_names[v] : "?";
}

const char *gs_live_value_key(enum gs_live_value v)
{
	return (unsigned)v < GS_LV_COUNT ? value_keys[v] : "?";
}

const char *gs_live_src_name(enum gs_live_src s)
{
	switch (s) {
	case GS_LSRC_SYMTAB: return "symtab";
	case GS_LSRC_SYMTAB_DWARF: return "symtab+dwarf";
	case GS_LSRC_SYMTAB_TABLE: return "symtab+table";
	case GS_LSRC_CODE: return "code";
	case GS_LSRC_CODE_DWARF: return "code+dwarf";
	case GS_LSRC_CODE_TABLE: return "code+table";
	case GS_LSRC_PROC: return "proc";
	case GS_LSRC_AGENT: return "agent";
	case GS_LSRC_CONST: return "const";
	default: return "none";
	}
}

/* ---- the layout of one executable ---- */

static void why(struct gs_rt_layout *lay, enum gs_live_value v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why(struct gs_rt_layout *lay, enum gs_live_value v, const char *fmt, ...)
{
	va_list ap;

	lay->src[v] = GS_LSRC_NONE;
	va_start(ap, fmt);
	vsnprintf(lay->why[v], GS_LIVE_WHY, fmt, ap);
	va_end(ap);
}

/* Which global holds the struct a field belongs to: its address and size. */
uint64_t gs_live_global_addr(const struct gs_rt_layout *lay, const char *global)
{
	if (!global)
		return 0;
	if (strcmp(global, "runtime.sched") == 0)
		return lay->sched;
	if (strcmp(global, "runtime.memstats") == 0)
		return lay->memstats;
	if (strcmp(global, "runtime.gcController") == 0)
		return lay->gccontroller;
	if (strcmp(global, "runtime.mheap_") == 0)
		return lay->mheap;
	return 0;
}

static uint64_t global_size(const struct gs_rt_layout *lay, const char *global)
{
	if (!global)
		return 0;
	if (strcmp(global, "runtime.sched") == 0)
		return lay->sched_size;
	if (strcmp(global, "runtime.memstats") == 0)
		return lay->memstats_size;
	if (strcmp(global, "runtime.gcController") == 0)
		return lay->gccontroller_size;
	return lay->glob.g[GS_RTG_MHEAP].size;
}

static const struct gs_rtg_addr *global_of(const struct gs_rt_layout *lay, const char *global)
{
	for (int k = 0; global && k < GS_RTG_COUNT; k++)
		if (strcmp(gs_rtg_name(k), global) == 0)
			return &lay->glob.g[k];
	return NULL;
}

uint64_t gs_rt_layout_global(const struct gs_rt_layout *lay, const char *global, bool *from_code)
{
	const struct gs_rtg_addr *g = global_of(lay, global);

	if (from_code)
		*from_code = g && g->src == GS_RTG_SRC_CODE;
	return g && g->src != GS_RTG_SRC_NONE ? gs_live_global_addr(lay, global) : 0;
}

/*
 * The source of a value read through globals gl (and, with fields, the
 * layout's offsets): code when any global came from code.
 */
static enum gs_live_src value_src(const struct gs_rt_layout *lay, const enum gs_rtg *gl,
				  unsigned ngl, bool fields)
{
	bool code = false;

	for (unsigned k = 0; k < ngl; k++)
		code |= lay->glob.g[gl[k]].src == GS_RTG_SRC_CODE;
	if (!fields)
		return code ? GS_LSRC_CODE : GS_LSRC_SYMTAB;
	if (lay->off.src == GS_RT_SRC_DWARF)
		return code ? GS_LSRC_CODE_DWARF : GS_LSRC_SYMTAB_DWARF;
	return code ? GS_LSRC_CODE_TABLE : GS_LSRC_SYMTAB_TABLE;
}

/* Each global known, else v is unavailable with the first one's reason. */
static bool globals_ok(struct gs_rt_layout *lay, enum gs_live_value v, const enum gs_rtg *gl,
		       unsigned ngl)
{
	for (unsigned k = 0; k < ngl; k++) {
		const struct gs_rtg_addr *g = &lay->glob.g[gl[k]];

		if (g->src == GS_RTG_SRC_NONE) {
			why(lay, v, "%s unknown: %s", gs_rtg_name(gl[k]), g->how);
			return false;
		}
	}
	return true;
}

/* Field f known and inside its global (whose size .symtab or the layout gave). */
static bool field_ok(struct gs_rt_layout *lay, enum gs_live_value v, enum gs_rt_field f,
		     const char *missing_offsets)
{
	const struct gs_rt_loc *l = &lay->off.f[f];
	const struct gs_rtg_addr *g;
	uint64_t size;

	if (!lay->layout) {
		why(lay, v, "%s", lay->layout_why);
		return false;
	}
	if (!l->known) {
		why(lay, v, "%s: offset of %s unknown", missing_offsets, gs_rt_field_name(f));
		return false;
	}
	if (!l->global)
		return true;
	g = global_of(lay, l->global);
	if (!g || g->src == GS_RTG_SRC_NONE || !gs_live_global_addr(lay, l->global)) {
		why(lay, v, "%s unknown: %s", l->global, g ? g->how : "not a global goscope finds");
		return false;
	}
	size = global_size(lay, l->global);
	/* Found in code, a struct's size is the layout's, when it has one. */
	if (size && !gs_fits(l->off, l->size, size)) {
		why(lay, v, "%s lies outside %s", gs_rt_field_name(f), l->global);
		return false;
	}
	return true;
}

/* Either known, quietly (for alternatives between releases). */
static bool known(const struct gs_rt_layout *lay, enum gs_rt_field f)
{
	return lay->layout && lay->off.f[f].known;
}

/* The static address of a field of a global struct (field_ok said it is known). */
static uint64_t field_addr(const struct gs_rt_layout *lay, enum gs_rt_field f)
{
	return gs_live_global_addr(lay, lay->off.f[f].global) + lay->off.f[f].off;
}

/*
 * Without the layout's free-list fields: gcount's counters from the code
 * (rtglobals.h), when allglen and allp are known.
 */
static bool code_gcount(struct gs_rt_layout *lay, const struct gs_elf *e,
			const struct gs_pclntab *t)
{
	struct gs_rtg_gcount gc;

	if (!t || lay->glob.g[GS_RTG_ALLGLEN].src == GS_RTG_SRC_NONE ||
	    lay->glob.g[GS_RTG_ALLP].src == GS_RTG_SRC_NONE)
		return false;
	gs_rt_gcount_code(e, t, &gc);
	if (!gc.known)
		return false;
	lay->gc_ngsys = gc.ngsys;
	lay->gc_sfree[0] = gc.gfree_n;
	lay->gc_nsfree = 1;
	lay->gc_pfree = gc.p_gfree_n;
	return true;
}

static void plan_values(struct gs_rt_layout *lay, const char *no_offsets, const struct gs_elf *e,
			const struct gs_pclntab *t)
{
	static const enum gs_rtg g_gor[] = { GS_RTG_ALLGLEN, GS_RTG_SCHED, GS_RTG_ALLP };
	static const enum gs_rtg g_sched[] = { GS_RTG_SCHED };
	static const enum gs_rtg g_mp[] = { GS_RTG_GOMAXPROCS };
	static const enum gs_rtg g_cpu[] = { GS_RTG_NCPU };
	enum gs_rt_field sfree = GS_RT_SCHED_GFREE_N, pfree = GS_RT_P_GFREE_N;
	enum gs_rtg g_heap[1];

	/* GOMAXPROCS and num CPU: plain int32 globals. */
	if (globals_ok(lay, GS_LV_GOMAXPROCS, g_mp, 1))
		lay->src[GS_LV_GOMAXPROCS] = value_src(lay, g_mp, 1, false);
	if (globals_ok(lay, GS_LV_NCPU, g_cpu, 1))
		lay->src[GS_LV_NCPU] = value_src(lay, g_cpu, 1, false);

	/*
	 * Goroutines, as runtime.gcount: allglen minus the dead Gs on the free
	 * lists (sched.gFree.n and each p.gFree.n until Go 1.24; since 1.25 the
	 * sizes of sched.gFree.stack and .noStack and each p.gFree.size) minus
	 * the system goroutines (sched.ngsys).
	 */
	if (!known(lay, GS_RT_SCHED_GFREE_N) && known(lay, GS_RT_SCHED_GFREE_STACK_SIZE))
		sfree = GS_RT_SCHED_GFREE_STACK_SIZE;
	if (!known(lay, GS_RT_P_GFREE_N) && known(lay, GS_RT_P_GFREE_SIZE))
		pfree = GS_RT_P_GFREE_SIZE;
	if (globals_ok(lay, GS_LV_GOROUTINES, g_gor, 3) &&
	    field_ok(lay, GS_LV_GOROUTINES, GS_RT_SCHED_NGSYS, no_offsets) &&
	    field_ok(lay, GS_LV_GOROUTINES, sfree, no_offsets) &&
	    (sfree != GS_RT_SCHED_GFREE_STACK_SIZE ||
	     field_ok(lay, GS_LV_GOROUTINES, GS_RT_SCHED_GFREE_NOSTACK_SIZE, no_offsets)) &&
	    field_ok(lay, GS_LV_GOROUTINES, pfree, no_offsets)) {
		lay->src[GS_LV_GOROUTINES] = value_src(lay, g_gor, 3, true);
		lay->gc_ngsys = field_addr(lay, GS_RT_SCHED_NGSYS);
		lay->gc_sfree[0] = field_addr(lay, sfree);
		lay->gc_nsfree = 1;
		if (sfree == GS_RT_SCHED_GFREE_STACK_SIZE)
			lay->gc_sfree[lay->gc_nsfree++] = field_addr(lay, GS_RT_SCHED_GFREE_NOSTACK_SIZE);
		lay->gc_pfree = lay->off.f[pfree].off;
	} else if (code_gcount(lay, e, t)) {
		lay->src[GS_LV_GOROUTINES] = GS_LSRC_CODE;
		lay->why[GS_LV_GOROUTINES][0] = '\0';
	}

	/* Ms (what gops counts) when known, else every thread from /proc. */
	lay->src[GS_LV_THREADS] = GS_LSRC_PROC;
	if (lay->glob.g[GS_RTG_SCHED].src != GS_RTG_SRC_NONE && known(lay, GS_RT_SCHED_MNEXT) &&
	    known(lay, GS_RT_SCHED_NMFREED) &&
	    field_ok(lay, GS_LV_THREADS, GS_RT_SCHED_MNEXT, no_offsets) &&
	    field_ok(lay, GS_LV_THREADS, GS_RT_SCHED_NMFREED, no_offsets))
		lay->src[GS_LV_THREADS] = value_src(lay, g_sched, 1, true);
	else
		lay->why[GS_LV_THREADS][0] = '\0';

	if (field_ok(lay, GS_LV_NUMGC, GS_RT_MSTATS_NUMGC, no_offsets)) {
		g_heap[0] = GS_RTG_MEMSTATS;
		lay->src[GS_LV_NUMGC] = value_src(lay, g_heap, 1, true);
	}
	if (field_ok(lay, GS_LV_HEAP_INUSE, GS_RT_HEAP_INUSE, no_offsets)) {
		g_heap[0] = strcmp(lay->off.f[GS_RT_HEAP_INUSE].global, "runtime.memstats") == 0 ?
			    GS_RTG_MEMSTATS : GS_RTG_GCCONTROLLER;
		lay->src[GS_LV_HEAP_INUSE] = value_src(lay, g_heap, 1, true);
	}
	if (field_ok(lay, GS_LV_HEAP_LIVE, GS_RT_HEAP_LIVE, no_offsets)) {
		g_heap[0] = strcmp(lay->off.f[GS_RT_HEAP_LIVE].global, "runtime.memstats") == 0 ?
			    GS_RTG_MEMSTATS : GS_RTG_GCCONTROLLER;
		lay->src[GS_LV_HEAP_LIVE] = value_src(lay, g_heap, 1, true);
	}
}

static void symsize(struct gs_rt_layout *lay, enum gs_rtg k, uint64_t want)
{
	struct gs_rtg_addr *g = &lay->glob.g[k];

	if (g->src != GS_RTG_SRC_SYMTAB || g->size == want)
		return;
	snprintf(g->how, sizeof(g->how), "%s in .symtab has %llu bytes, not %llu", gs_rtg_name(k),
		 (unsigned long long)g->size, (unsigned long long)want);
	g->src = GS_RTG_SRC_NONE;
	g->addr = 0;
}

static int parse_image(const struct gs_elf *ep, void *ctx, struct gs_err *err)
{
	struct gs_rt_layout *lay = ctx;
	char no_offsets[GS_LIVE_WHY];
	const struct gs_elf e = *ep;
	struct gs_moduledata md;
	struct gs_pclntab t;
	bool pcln;
	struct gs_err e2;

	(void)err;
	lay->machine = e.machine;
	lay->etype = e.type;
	for (unsigned k = 0; k < e.nphdr && lay->nloads < GS_LIVE_MAX_LOADS; k++)
		if (e.ph[k].type == PT_LOAD)
			lay->loads[lay->nloads++] = e.ph[k];
	if (!e.is64 || e.ptrsize != 8 || e.be) {
		for (int v = 0; v < GS_LV_COUNT; v++)
			why(lay, v, "only 64-bit little-endian targets are read");
		lay->src[GS_LV_THREADS] = GS_LSRC_PROC;
		return 0;
	}

	/* The layout first: the code rules for struct globals need its offsets. */
	if (gs_rt_offsets_find(&e, lay->version[0] ? lay->version : NULL, &lay->off, &e2) == 0) {
		lay->layout = true;
		lay->dwarf = lay->off.src == GS_RT_SRC_DWARF;
		if (lay->dwarf)
			snprintf(no_offsets, sizeof(no_offsets), "not in DWARF");
		else
			snprintf(no_offsets, sizeof(no_offsets), "not in the table for %.40s",
				 lay->version);
	} else {
		memset(&lay->off, 0, sizeof(lay->off));
		snprintf(lay->layout_why, sizeof(lay->layout_why), "%.100s", e2.msg);
		snprintf(no_offsets, sizeof(no_offsets), "%.60s", e2.msg);
	}

	pcln = gs_pcln_find(&e, &t) == 0;
	if (pcln && !t.text_known)
		gs_moduledata_find(&e, &t, &md);
	gs_rt_globals_find(&e, pcln ? &t : NULL, lay->layout ? &lay->off : NULL, &lay->glob);
	/* A .symtab entry of the wrong size is not the variable we mean. */
	symsize(lay, GS_RTG_NCPU, 4);
	symsize(lay, GS_RTG_GOMAXPROCS, 4);
	symsize(lay, GS_RTG_ALLGLEN, 8);
	symsize(lay, GS_RTG_ALLGS, 24);
	symsize(lay, GS_RTG_ALLP, 24);
	lay->symtab = lay->glob.symtab;
	lay->ncpu = lay->glob.g[GS_RTG_NCPU].addr;
	lay->gomaxprocs = lay->glob.g[GS_RTG_GOMAXPROCS].addr;
	lay->allglen = lay->glob.g[GS_RTG_ALLGLEN].addr;
	lay->allgs = lay->glob.g[GS_RTG_ALLGS].addr;
	lay->allgptr = lay->glob.g[GS_RTG_ALLGPTR].addr;
	lay->allp = lay->glob.g[GS_RTG_ALLP].addr;
	lay->sched = lay->glob.g[GS_RTG_SCHED].addr;
	lay->sched_size = lay->glob.g[GS_RTG_SCHED].size;
	lay->memstats = lay->glob.g[GS_RTG_MEMSTATS].addr;
	lay->memstats_size = lay->glob.g[GS_RTG_MEMSTATS].size;
	lay->gccontroller = lay->glob.g[GS_RTG_GCCONTROLLER].addr;
	lay->gccontroller_size = lay->glob.g[GS_RTG_GCCONTROLLER].size;
	lay->mheap = lay->glob.g[GS_RTG_MHEAP].addr;
	plan_values(lay, no_offsets, &e, pcln ? &t : NULL);
	return 0;
}

int gs_rt_layout_load(int fd, struct gs_rt_layout *lay, struct gs_err *err)
{
	struct gs_class *c;
	struct stat st;

	memset(lay, 0, sizeof(*lay));
	if (fstat(fd, &st) < 0)
		return gs_errf(err, errno, "fstat: %s", strerror(errno));
	lay->dev = st.st_dev;
	lay->ino = st.st_ino;
	c = gs_classify_fd(fd, err);
	if (!c)
		return -1;
	if (c->verdict == GS_NOT_GO) {
		gs_errf(err, ENOEXEC, "not a Go binary (%s)", c->reason);
		gs_class_put(c);
		return -1;
	}
	/* Only an exact version may pick a table row; a range like "go1.20+" may not. */
	if (c->vsrc != GS_VSRC_RANGE && c->vsrc != GS_VSRC_NONE)
		snprintf(lay->version, sizeof(lay->version), "%s", c->version);
	gs_class_put(c);
	return gs_elf_guarded(fd, parse_image, lay, err);
}
