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
	case GS_LSRC_PROC: return "proc";
	case GS_LSRC_AGENT: return "agent";
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

/* The offsets' source as a value source. */
static enum gs_live_src field_src(const struct gs_rt_layout *lay)
{
	return lay->off.src == GS_RT_SRC_DWARF ? GS_LSRC_SYMTAB_DWARF : GS_LSRC_SYMTAB_TABLE;
}

/* Field f known and inside its global (whose size .symtab gave). */
static bool field_ok(struct gs_rt_layout *lay, enum gs_live_value v, enum gs_rt_field f,
		     const char *missing_offsets)
{
	const struct gs_rt_loc *l = &lay->off.f[f];
	uint64_t size = 0;

	if (!l->known) {
		why(lay, v, "%s: offset of %s unknown", missing_offsets, gs_rt_field_name(f));
		return false;
	}
	if (!l->global)
		return true;
	if (strcmp(l->global, "runtime.sched") == 0)
		size = lay->sched_size;
	else if (strcmp(l->global, "runtime.memstats") == 0)
		size = lay->memstats_size;
	else if (strcmp(l->global, "runtime.gcController") == 0)
		size = lay->gccontroller_size;
	if (!size || !gs_fits(l->off, l->size, size)) {
		why(lay, v, "%s lies outside %s", gs_rt_field_name(f), l->global);
		return false;
	}
	return true;
}

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
	return 0;
}

static void plan_values(struct gs_rt_layout *lay, const char *no_offsets)
{
	const char *nosym = "no symbol table (stripped)";

	/* GOMAXPROCS and num CPU: plain int32 globals. */
	if (lay->gomaxprocs)
		lay->src[GS_LV_GOMAXPROCS] = lay->symtab ? GS_LSRC_SYMTAB : GS_LSRC_CODE;
	if (lay->ncpu)
		lay->src[GS_LV_NCPU] = lay->symtab ? GS_LSRC_SYMTAB : GS_LSRC_CODE;

	if (!lay->symtab) {
		why(lay, GS_LV_GOROUTINES, "%s: runtime.allglen and runtime.sched unknown", nosym);
		why(lay, GS_LV_NUMGC, "%s: runtime.memstats unknown", nosym);
		why(lay, GS_LV_HEAP_INUSE, "%s: runtime.gcController unknown", nosym);
		why(lay, GS_LV_HEAP_LIVE, "%s: runtime.gcController unknown", nosym);
		lay->src[GS_LV_THREADS] = GS_LSRC_PROC;
		return;
	}
	if (!lay->allglen || !lay->sched || !lay->allp)
		why(lay, GS_LV_GOROUTINES, "runtime.allglen, allp or sched not in .symtab");
	else if (field_ok(lay, GS_LV_GOROUTINES, GS_RT_SCHED_NGSYS, no_offsets) &&
		 field_ok(lay, GS_LV_GOROUTINES, GS_RT_SCHED_GFREE_N, no_offsets) &&
		 field_ok(lay, GS_LV_GOROUTINES, GS_RT_P_GFREE_N, no_offsets))
		lay->src[GS_LV_GOROUTINES] = field_src(lay);

	/* Ms (what gops counts) when known, else every thread from /proc. */
	lay->src[GS_LV_THREADS] = GS_LSRC_PROC;
	if (lay->sched && lay->off.f[GS_RT_SCHED_MNEXT].known &&
	    lay->off.f[GS_RT_SCHED_NMFREED].known &&
	    field_ok(lay, GS_LV_THREADS, GS_RT_SCHED_MNEXT, no_offsets) &&
	    field_ok(lay, GS_LV_THREADS, GS_RT_SCHED_NMFREED, no_offsets))
		lay->src[GS_LV_THREADS] = field_src(lay);
	else
		lay->src[GS_LV_THREADS] = GS_LSRC_PROC;

	if (field_ok(lay, GS_LV_NUMGC, GS_RT_MSTATS_NUMGC, no_offsets) &&
	    global_addr(lay, lay->off.f[GS_RT_MSTATS_NUMGC].global))
		lay->src[GS_LV_NUMGC] = field_src(lay);
	else if (!lay->why[GS_LV_NUMGC][0])
		why(lay, GS_LV_NUMGC, "runtime.memstats not in .symtab");
	if (field_ok(lay, GS_LV_HEAP_INUSE, GS_RT_HEAP_INUSE, no_offsets) &&
	    global_addr(lay, lay->off.f[GS_RT_HEAP_INUSE].global))
		lay->src[GS_LV_HEAP_INUSE] = field_src(lay);
	else if (!lay->why[GS_LV_HEAP_INUSE][0])
		why(lay, GS_LV_HEAP_INUSE, "the global holding it is not in .symtab");
	if (field_ok(lay, GS_LV_HEAP_LIVE, GS_RT_HEAP_LIVE, no_offsets) &&
	    global_addr(lay, lay->off.f[GS_RT_HEAP_LIVE].global))
		lay->src[GS_LV_HEAP_LIVE] = field_src(lay);
	else if (!lay->why[GS_LV_HEAP_LIVE][0])
		why(lay, GS_LV_HEAP_LIVE, "the global holding it is not in .symtab");
}

static int parse_image(const struct gs_elf *ep, void *ctx, struct gs_err *err)
{
	struct gs_rt_layout *lay = ctx;
	enum { S_NCPU, S_GOMAXPROCS, S_ALLGLEN, S_ALLP, S_SCHED, S_MEMSTATS, S_GCC, S_N };
	struct gs_sym_query q[S_N] = {
		[S_NCPU] = { .name = "runtime.ncpu" },
		[S_GOMAXPROCS] = { .name = "runtime.gomaxprocs" },
		[S_ALLGLEN] = { .name = "runtime.allglen" },
		[S_ALLP] = { .name = "runtime.allp" },
		[S_SCHED] = { .name = "runtime.sched" },
		[S_MEMSTATS] = { .name = "runtime.memstats" },
		[S_GCC] = { .name = "runtime.gcController" },
	};
	char no_offsets[GS_LIVE_WHY];
	const struct gs_elf e = *ep;
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

	lay->symtab = gs_symtab_lookup(&e, q, S_N) == 0 &&
		      (q[S_SCHED].found || q[S_ALLGLEN].found || q[S_GOMAXPROCS].found);
	if (lay->symtab) {
		/* 4-byte int32s and an 8-byte uintptr, as in every Go since 1.5. */
		if (q[S_NCPU].found && q[S_NCPU].size == 4)
			lay->ncpu = q[S_NCPU].value;
		if (q[S_GOMAXPROCS].found && q[S_GOMAXPROCS].size == 4)
			lay->gomaxprocs = q[S_GOMAXPROCS].value;
		if (q[S_ALLGLEN].found && q[S_ALLGLEN].size == 8)
			lay->allglen = q[S_ALLGLEN].value;
		if (q[S_ALLP].found && q[S_ALLP].size == 24)
			lay->allp = q[S_ALLP].value;
		if (q[S_SCHED].found) {
			lay->sched = q[S_SCHED].value;
			lay->sched_size = q[S_SCHED].size;
		}
		if (q[S_MEMSTATS].found) {
			lay->memstats = q[S_MEMSTATS].value;
			lay->memstats_size = q[S_MEMSTATS].size;
		}
		if (q[S_GCC].found) {
			lay->gccontroller = q[S_GCC].value;
			lay->gccontroller_size = q[S_GCC].size;
		}
		if (!lay->ncpu)
			why(lay, GS_LV_NCPU, "runtime.ncpu not in .symtab");
		if (!lay->gomaxprocs)
			why(lay, GS_LV_GOMAXPROCS, "runtime.gomaxprocs not in .symtab");
	} else {
		struct gs_pclntab t;
		struct gs_moduledata md;

		if (gs_pcln_find(&e, &t) < 0) {
			why(lay, GS_LV_NCPU, "no pclntab: runtime code cannot be scanned");
			why(lay, GS_LV_GOMAXPROCS, "no pclntab: runtime code cannot be scanned");
		} else {
			if (!t.text_known)
				gs_moduledata_find(&e, &t, &md);
			if (gs_x86_find_ncpu(&e, &t, &lay->ncpu, &e2) < 0)
				why(lay, GS_LV_NCPU, "stripped, %s", e2.msg);
			if (gs_x86_find_gomaxprocs(&e, &t, &lay->gomaxprocs, &e2) < 0)
				why(lay, GS_LV_GOMAXPROCS, "stripped, %s", e2.msg);
		}
	}

	if (gs_rt_offsets_dwarf(&e, &lay->off, &e2) == 0) {
		lay->dwarf = true;
		snprintf(no_offsets, sizeof(no_offsets), "not in DWARF");
	} else if (gs_rt_offsets_table(lay->version[0] ? lay->version : NULL, e.machine,
				       &lay->off, &e2) == 0) {
		snprintf(no_offsets, sizeof(no_offsets), "not in the table for %.40s", lay->version);
	} else {
		memset(&lay->off, 0, sizeof(lay->off));
		snprintf(no_offsets, sizeof(no_offsets), "no DWARF and no offset table for %.40s",
			 lay->version[0] ? lay->version : "an unknown Go version");
	}
	plan_values(lay, no_offsets);
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

/* Σ p.gFree.n over allp, in batches of remote iovecs. */
static int sum_p_gfree(const struct gs_live *lv, uint64_t *ps, uint64_t np, int64_t *sum,
		       struct gs_err *err)
{
	const struct gs_rt_loc *l = &lv->lay->off.f[GS_RT_P_GFREE_N];
	struct iovec local, remote[IOV_BATCH];
	int32_t vals[IOV_BATCH];

	*sum = 0;
	for (uint64_t i = 0; i < np; i += IOV_BATCH) {
		unsigned n = np - i < IOV_BATCH ? (unsigned)(np - i) : IOV_BATCH;
		ssize_t got;

		for (unsigned k = 0; k < n; k++) {
			if (!ps[i + k])
				return gs_errf(err, EAGAIN, "nil P in allp");
			remote[k].iov_base = (void *)(uintptr_t)(ps[i + k] + l->off);
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
				return gs_errf(err, EAGAIN, "negative p.gFree.n");
			*sum += vals[k];
		}
	}
	return 0;
}

/* allglen - sched.gFree.n - sched.ngsys - Σ p.gFree.n, as runtime.gcount. */
static int read_goroutines(const struct gs_live *lv, int64_t *out, struct gs_err *err)
{
	const struct gs_rt_layout *lay = lv->lay;
	uint64_t allglen, gfree, ngsys, hdr[3], *ps = NULL;
	int64_t pfree, n;
	int rc = -1;

	if (rd_scalar(lv, lay->allglen, 8, &allglen, err) < 0 ||
	    rd_field(lv, GS_RT_SCHED_GFREE_N, &gfree, err) < 0 ||
	    rd_field(lv, GS_RT_SCHED_NGSYS, &ngsys, err) < 0 ||
	    gs_live_read(lv->pid, lay->allp + lv->bias, hdr, sizeof(hdr), err) < 0)
		return -1;
	if (allglen == 0 || allglen > MAX_GS)
		return gs_errf(err, EAGAIN, "implausible allglen %" PRIu64, allglen);
	if (hdr[1] == 0 || hdr[1] > MAX_PS || hdr[1] > hdr[2] || !hdr[0])
		return gs_errf(err, EAGAIN, "implausible allp (len %" PRIu64 ")", hdr[1]);
	ps = calloc(hdr[1], sizeof(*ps));
	if (!ps)
		return gs_errf(err, ENOMEM, "out of memory");
	if (gs_live_read(lv->pid, hdr[0], ps, hdr[1] * sizeof(*ps), err) < 0 ||
	    sum_p_gfree(lv, ps, hdr[1], &pfree, err) < 0)
		goto out;
	n = (int64_t)allglen - sext32(gfree) - sext32(ngsys) - pfree;
	if (sext32(gfree) < 0 || sext32(ngsys) < 0 || n < 1 || (uint64_t)n > allglen) {
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
