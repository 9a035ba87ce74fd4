/* SPDX-License-Identifier: MIT */
/* Runtime state of a live Go process, read from outside (see liveread.h). */
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
#include "proc.h"
#include "x86scan.h"

#define MAX_PS		(1u << 16)	/* Ps: GOMAXPROCS is capped far below this */
#define MAX_GS		(1ull << 31)	/* allglen beyond this is not a real program */
#define MAX_MS		(1ll << 20)
#define MAX_HEAP	(1ull << 50)
#define READ_TRIES	3
#define IOV_BATCH	512
#define MAPS_MATCH_MAX	64

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
static uint64_t global_addr(const struct gs_rt_layout *lay, const char *global)
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
	return g && g->src != GS_RTG_SRC_NONE ? global_addr(lay, global) : 0;
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
	if (!g || g->src == GS_RTG_SRC_NONE || !global_addr(lay, l->global)) {
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
	return global_addr(lay, lay->off.f[f].global) + lay->off.f[f].off;
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

/* ---- the load bias ---- */

struct maps_line {
	uint64_t start, end, off, ino;
	unsigned major, minor;
};

/* A hex or decimal field ending at one of stops; advances *s. */
static bool field(const char **s, int base, const char *stops, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(*s, &end, base);
	if (errno || end == *s || !*end || !strchr(stops, *end))
		return false;
	*s = end + 1;
	return true;
}

/* "start-end perms offset major:minor inode [path]" */
static bool parse_maps_line(const char *s, struct maps_line *m)
{
	uint64_t major, minor;
	const char *sp;

	if (!field(&s, 16, "-", &m->start) || !field(&s, 16, " ", &m->end) || m->end <= m->start)
		return false;
	sp = strchr(s, ' ');	/* skip the permissions */
	if (!sp)
		return false;
	s = sp + 1;
	if (!field(&s, 16, " ", &m->off) || !field(&s, 16, ":", &major) ||
	    !field(&s, 16, " ", &minor) || !field(&s, 10, " \n", &m->ino))
		return false;
	if (major > 0xfff || minor > 0xfffff)
		return false;
	m->major = (unsigned)major;
	m->minor = (unsigned)minor;
	return true;
}

int gs_maps_bias(FILE *maps, dev_t dev, ino_t ino, const struct gs_phdr *loads, unsigned nloads,
		 uint16_t etype, uint64_t *bias, struct gs_err *err)
{
	struct maps_line by_dev[MAPS_MATCH_MAX], by_ino[MAPS_MATCH_MAX], *use;
	unsigned ndev = 0, nino = 0, nuse;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char line[4096 + 256];
	bool have = false;
	uint64_t b = 0;

	while (fgets(line, sizeof(line), maps)) {
		struct maps_line m;

		/* A line longer than the buffer: the rest is a path; skip it. */
		if (!strchr(line, '\n') && !feof(maps)) {
			int ch;

			while ((ch = fgetc(maps)) != EOF && ch != '\n')
				;
		}
		if (!parse_maps_line(line, &m) || m.ino != (uint64_t)ino)
			continue;
		if (makedev(m.major, m.minor) == dev && ndev < MAPS_MATCH_MAX)
			by_dev[ndev++] = m;
		if (nino < MAPS_MATCH_MAX)
			by_ino[nino++] = m;
	}
	if (ndev) {
		use = by_dev;
		nuse = ndev;
	} else {
		/* Overlay and FUSE file systems may show another device: accept an
		 * inode match if it names a single device. */
		for (unsigned i = 1; i < nino; i++)
			if (by_ino[i].major != by_ino[0].major || by_ino[i].minor != by_ino[0].minor)
				return gs_errf(err, ENOENT, "executable not found in maps (inode on several devices)");
		use = by_ino;
		nuse = nino;
	}
	if (!nuse)
		return gs_errf(err, ENOENT, "executable not mapped");
	for (unsigned i = 0; i < nuse; i++) {
		for (unsigned k = 0; k < nloads; k++) {
			uint64_t cand;

			if ((loads[k].off & ~(page - 1)) != use[i].off)
				continue;
			cand = use[i].start - (loads[k].vaddr & ~(page - 1));
			if (have && cand != b)
				return gs_errf(err, EINVAL, "mappings disagree on the load bias");
			b = cand;
			have = true;
			break;
		}
	}
	if (!have)
		return gs_errf(err, EINVAL, "no mapping matches a PT_LOAD");
	if (etype == ET_EXEC && b != 0)
		return gs_errf(err, EINVAL, "fixed-address executable mapped at a bias");
	*bias = b;
	return 0;
}

int gs_live_attach(struct gs_live *lv, int pid, const struct gs_rt_layout *lay,
		   struct gs_err *err)
{
	char path[64];
	FILE *f;
	int rc;

	memset(lv, 0, sizeof(*lv));
	lv->pid = pid;
	lv->lay = lay;
	snprintf(path, sizeof(path), "%s/%d/maps", gs_proc_root(), pid);
	f = fopen(path, "re");
	if (!f) {
		int code = errno == ENOENT ? ESRCH : errno;

		return gs_errf(err, code, "%s: %s", path, strerror(errno));
	}
	rc = gs_maps_bias(f, lay->dev, lay->ino, lay->loads, lay->nloads, lay->etype, &lv->bias,
			  err);
	fclose(f);
	return rc;
}

/* ---- reading memory ---- */

static int read_err(struct gs_err *err, int code, uint64_t addr)
{
	if (code == ESRCH)
		return gs_errf(err, ESRCH, "process gone");
	return gs_errf(err, code, "reading %#" PRIx64 ": %s", addr, strerror(code));
}

static int mem_pread(int pid, uint64_t addr, void *buf, size_t len, struct gs_err *err)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/mem", gs_proc_root(), pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return read_err(err, errno == ENOENT ? ESRCH : errno, addr);
	n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	if (n < 0)
		return read_err(err, errno, addr);
	if ((size_t)n != len)
		return read_err(err, EFAULT, addr);
	return 0;
}

int gs_live_read(int pid, uint64_t addr, void *buf, size_t len, struct gs_err *err)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ENOSYS)
		return mem_pread(pid, addr, buf, len, err);
	if (n < 0)
		return read_err(err, errno, addr);
	if ((size_t)n != len)
		return read_err(err, EFAULT, addr);
	return 0;
}

static int rd_scalar(const struct gs_live *lv, uint64_t addr, unsigned size, uint64_t *out,
		     struct gs_err *err)
{
	uint32_t v32;
	uint64_t v64;

	if (size == 4) {
		if (gs_live_read(lv->pid, addr + lv->bias, &v32, 4, err) < 0)
			return -1;
		*out = v32;
		return 0;
	}
	if (gs_live_read(lv->pid, addr + lv->bias, &v64, 8, err) < 0)
		return -1;
	*out = v64;
	return 0;
}

/* A field of a global (through the layout's offsets). */
static int rd_field(const struct gs_live *lv, enum gs_rt_field f, uint64_t *out,
		    struct gs_err *err)
{
	const struct gs_rt_loc *l = &lv->lay->off.f[f];

	return rd_scalar(lv, global_addr(lv->lay, l->global) + l->off, l->size, out, err);
}

static int64_t sext32(uint64_t v)
{
	return (int32_t)(uint32_t)v;
}

/* Σ of each P's free-list count over allp, in batches of remote iovecs. */
static int sum_p_gfree(const struct gs_live *lv, uint64_t *ps, uint64_t np, int64_t *sum,
		       struct gs_err *err)
{
	uint64_t off = lv->lay->gc_pfree;
	struct iovec local, remote[IOV_BATCH];
	int32_t vals[IOV_BATCH];

	*sum = 0;
	for (uint64_t i = 0; i < np; i += IOV_BATCH) {
		unsigned n = np - i < IOV_BATCH ? (unsigned)(np - i) : IOV_BATCH;
		ssize_t got;

		for (unsigned k = 0; k < n; k++) {
			if (!ps[i + k])
				return gs_errf(err, EAGAIN, "nil P in allp");
			remote[k].iov_base = (void *)(uintptr_t)(ps[i + k] + off);
			remote[k].iov_len = 4;
		}
		local.iov_base = vals;
		local.iov_len = n * 4u;
		got = process_vm_readv(lv->pid, &local, 1, remote, n, 0);
		if (got < 0)
			return read_err(err, errno, ps[i]);
		if ((size_t)got != n * 4u)
			return gs_errf(err, EAGAIN, "a P moved while reading");
		for (unsigned k = 0; k < n; k++) {
			if (vals[k] < 0)
				return gs_errf(err, EAGAIN, "negative free-list count at a P");
			*sum += vals[k];
		}
	}
	return 0;
}

/* The dead Gs on the global free list(s): gFree.n, or two lists' sizes since 1.25. */
static int sched_free(const struct gs_live *lv, int64_t *out, struct gs_err *err)
{
	*out = 0;
	for (unsigned k = 0; k < lv->lay->gc_nsfree && k < 2; k++) {
		uint64_t a;

		if (rd_scalar(lv, lv->lay->gc_sfree[k], 4, &a, err) < 0)
			return -1;
		if (sext32(a) < 0) {
			*out = -1;
			return 0;
		}
		*out += sext32(a);
	}
	return 0;
}

/*
 * allglen - the free lists - sched.ngsys, as runtime.gcount. The counts
 * race with the program; each is checked against the others (and allglen
 * against allgs, which allgadd grows first), and an inconsistent set is
 * read again.
 */
static int read_goroutines(const struct gs_live *lv, int64_t *out, struct gs_err *err)
{
	const struct gs_rt_layout *lay = lv->lay;
	uint64_t allglen, ngsys, hdr[3], ghdr[3], gptr, *ps = NULL;
	int64_t gfree, pfree, n;
	int rc = -1;

	if (rd_scalar(lv, lay->allglen, 8, &allglen, err) < 0 ||
	    sched_free(lv, &gfree, err) < 0 ||
	    rd_scalar(lv, lay->gc_ngsys, 4, &ngsys, err) < 0 ||
	    gs_live_read(lv->pid, lay->allp + lv->bias, hdr, sizeof(hdr), err) < 0)
		return -1;
	if (allglen == 0 || allglen > MAX_GS)
		return gs_errf(err, EAGAIN, "implausible allglen %" PRIu64, allglen);
	/* allgadd appends to allgs, then publishes allgptr and allglen. */
	if (lay->allgs) {
		if (gs_live_read(lv->pid, lay->allgs + lv->bias, ghdr, sizeof(ghdr), err) < 0)
			return -1;
		if (allglen > ghdr[1] || ghdr[1] > ghdr[2] || !ghdr[0])
			return gs_errf(err, EAGAIN, "allglen %" PRIu64 " does not fit allgs (len %" PRIu64
				       ", cap %" PRIu64 ")", allglen, ghdr[1], ghdr[2]);
		if (lay->allgptr) {
			if (rd_scalar(lv, lay->allgptr, 8, &gptr, err) < 0)
				return -1;
			if (gptr != ghdr[0])
				return gs_errf(err, EAGAIN, "allgptr is not &allgs[0]");
		}
	}
	if (hdr[1] == 0 || hdr[1] > MAX_PS || hdr[1] > hdr[2] || !hdr[0])
		return gs_errf(err, EAGAIN, "implausible allp (len %" PRIu64 ")", hdr[1]);
	ps = calloc(hdr[1], sizeof(*ps));
	if (!ps)
		return gs_errf(err, ENOMEM, "out of memory");
	if (gs_live_read(lv->pid, hdr[0], ps, hdr[1] * sizeof(*ps), err) < 0 ||
	    sum_p_gfree(lv, ps, hdr[1], &pfree, err) < 0)
		goto out;
	n = (int64_t)allglen - gfree - sext32(ngsys) - pfree;
	if (gfree < 0 || sext32(ngsys) < 0 || n < 1 || (uint64_t)n > allglen) {
		gs_errf(err, EAGAIN, "inconsistent counts (allglen %" PRIu64 ")", allglen);
		goto out;
	}
	*out = n;
	rc = 0;
out:
	free(ps);
	return rc;
}

static long proc_threads(int pid)
{
	char buf[4096];
	const char *p;
	struct gs_err err;

	if (gs_proc_read(pid, "status", buf, sizeof(buf), NULL, &err) < 0)
		return -1;
	p = strstr(buf, "\nThreads:");
	return p ? strtol(p + 9, NULL, 10) : -1;
}

static long possible_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? n : 1 << 16;
}

static void set_val(struct gs_live_val *v, enum gs_live_src src, int64_t x)
{
	v->ok = true;
	v->v = x;
	v->src = src;
	v->why[0] = '\0';
}

static void set_unavail(struct gs_live_val *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_unavail(struct gs_live_val *v, const char *fmt, ...)
{
	va_list ap;

	v->ok = false;
	v->src = GS_LSRC_NONE;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

/* One value; returns -1 only for "gone" or "not allowed" (err set). */
static int sample_one(const struct gs_live *lv, enum gs_live_value v, struct gs_live_stats *st,
		      struct gs_err *err)
{
	const struct gs_rt_layout *lay = lv->lay;
	enum gs_live_src src = lay->src[v];
	struct gs_live_val *out = &st->v[v];
	struct gs_err e2 = { 0 };
	uint64_t a, b;
	int64_t n = 0;
	int tries;

	if (src == GS_LSRC_NONE) {
		set_unavail(out, "%s", lay->why[v][0] ? lay->why[v] : "unknown location");
		return 0;
	}
	for (tries = 0; tries < READ_TRIES; tries++) {
		e2.code = 0;
		switch (v) {
		case GS_LV_GOROUTINES:
			if (read_goroutines(lv, &n, &e2) == 0)
				goto got;
			break;
		case GS_LV_THREADS:
			if (src == GS_LSRC_PROC) {
				if (st->proc_threads > 0) {
					n = st->proc_threads;
					goto got;
				}
				gs_errf(&e2, EAGAIN, "/proc/%d/status unreadable", lv->pid);
				break;
			}
			if (rd_field(lv, GS_RT_SCHED_MNEXT, &a, &e2) < 0 ||
			    rd_field(lv, GS_RT_SCHED_NMFREED, &b, &e2) < 0)
				break;
			n = (int64_t)a - (int64_t)b;
			if ((int64_t)a >= 1 && (int64_t)b >= 0 && n >= 1 && n <= MAX_MS)
				goto got;
			gs_errf(&e2, EAGAIN, "implausible mnext %" PRId64 " nmfreed %" PRId64,
				(int64_t)a, (int64_t)b);
			break;
		case GS_LV_GOMAXPROCS:
			if (rd_scalar(lv, lay->gomaxprocs, 4, &a, &e2) < 0)
				break;
			n = sext32(a);
			if (n >= 1 && n <= (int64_t)MAX_PS)
				goto got;
			gs_errf(&e2, EINVAL, "implausible value %" PRId64, n);
			tries = READ_TRIES;	/* a static int32: re-reading won't help */
			break;
		case GS_LV_NCPU:
			if (rd_scalar(lv, lay->ncpu, 4, &a, &e2) < 0)
				break;
			n = sext32(a);
			if (n >= 1 && n <= possible_cpus())
				goto got;
			gs_errf(&e2, EINVAL, "implausible value %" PRId64 " (%ld CPUs possible)", n,
				possible_cpus());
			tries = READ_TRIES;
			break;
		case GS_LV_NUMGC:
			if (rd_field(lv, GS_RT_MSTATS_NUMGC, &a, &e2) < 0)
				break;
			n = (int64_t)a;
			goto got;
		case GS_LV_HEAP_INUSE:
		case GS_LV_HEAP_LIVE:
			if (rd_field(lv, v == GS_LV_HEAP_INUSE ? GS_RT_HEAP_INUSE : GS_RT_HEAP_LIVE,
				     &a, &e2) < 0)
				break;
			n = (int64_t)a;
			if (a <= MAX_HEAP)
				goto got;
			gs_errf(&e2, EAGAIN, "implausible value %" PRIu64, a);
			break;
		default:
			return 0;
		}
		if (e2.code != EAGAIN && e2.code != EINVAL && e2.code != EFAULT)
			break;
	}
	if (e2.code == ESRCH || e2.code == EPERM || e2.code == EACCES) {
		set_unavail(out, "%s", e2.msg);
		*err = e2;
		return -1;
	}
	set_unavail(out, "%s", e2.msg[0] ? e2.msg : "unreadable");
	return 0;
got:
	set_val(out, src, n);
	return 0;
}

int gs_live_sample(const struct gs_live *lv, struct gs_live_stats *st, struct gs_err *err)
{
	memset(st, 0, sizeof(*st));
	st->proc_threads = proc_threads(lv->pid);
	for (int v = 0; v < GS_LV_COUNT; v++) {
		if (sample_one(lv, v, st, err) < 0) {
			/* Gone or not allowed: the rest would fail the same way. */
			for (int w = v + 1; w < GS_LV_COUNT; w++) {
				if (w == GS_LV_THREADS && st->proc_threads > 0)
					set_val(&st->v[w], GS_LSRC_PROC, st->proc_threads);
				else
					set_unavail(&st->v[w], "%s", err->msg);
			}
			if (v != GS_LV_THREADS && st->proc_threads > 0 && !st->v[GS_LV_THREADS].ok)
				set_val(&st->v[GS_LV_THREADS], GS_LSRC_PROC, st->proc_threads);
			return -1;
		}
	}
	return 0;
}
