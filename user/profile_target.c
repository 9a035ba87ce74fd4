// SPDX-License-Identifier: MIT
/*
 * The processes of an agentless CPU profile and their binaries. Each
 * binary (dev, inode) is opened once, through the first process's
 * /proc/PID/exe (so a deleted or replaced binary, or one in another mount
 * namespace, is the file the process really runs), classified, mapped for
 * symbols, and turned into an SP-delta table for the BPF program. Each
 * process adds its load bias (PIE) from /proc/PID/maps.
 */
#include "profile_int.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "liveread.h"
#include "mapguard.h"
#include "output.h"
#include "profsym.h"

#define MAX_PROCS	GS_CP_MAX_PROCS
#define MAX_BINS	4096

static bool grow(void **v, size_t *cap, size_t n, size_t elem, size_t max)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	if (n >= ncap)
		return false;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

/* "go1.21.3" -> 21; a range "go1.20+" -> 20; 0 when unknown. */
static unsigned go_minor(const struct gs_class *c)
{
	const char *v = c->version;
	char *end;
	unsigned long minor;

	if (strncmp(v, "go1.", 4) != 0)
		return 0;
	minor = strtoul(v + 4, &end, 10);
	return end != v + 4 && minor < 1000 ? (unsigned)minor : 0;
}

/* ---- binaries ---- */

struct sym_job {
	struct gs_pbin *b;
	unsigned minor;
	struct gs_err err;
};

/* Inside the SIGBUS guard: symbols and the SP table, from the mapped image. */
static int open_symbols(void *arg)
{
	struct sym_job *j = arg;
	struct gs_pbin *b = j->b;
	struct gs_err err;

	b->sym = gs_psym_open(&b->elf, j->minor, &err);
	if (!b->sym) {
		snprintf(b->sym_note, sizeof(b->sym_note), "no symbols: %s", err.msg);
		snprintf(b->sp_note, sizeof(b->sp_note), "no SP table: no symbols");
		return 0;
	}
	if (gs_psym_sptab(b->sym, &b->sptab, &b->sptab_n, &b->text_lo, &b->text_len, &err) < 0) {
		snprintf(b->sp_note, sizeof(b->sp_note), "no SP table: %s", err.msg);
		b->sptab = NULL;
		b->sptab_n = 0;
	} else if (b->sptab_n > GS_CP_MAX_SPTAB || b->text_len > UINT32_MAX) {
		snprintf(b->sp_note, sizeof(b->sp_note), "no SP table: too large (%zu entries)",
			 b->sptab_n);
		free(b->sptab);
		b->sptab = NULL;
		b->sptab_n = 0;
	}
	return 0;
}

static void bin_free(struct gs_pbin *b)
{
	if (!b)
		return;
	gs_psym_close(b->sym);
	free(b->sptab);
	gs_unmap(b->map, b->map_len);
	if (b->cls)
		gs_class_put(b->cls);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

static int bin_open(struct gs_psession *s, int pid, int fd, const struct stat *st,
		    struct gs_pbin **out, struct gs_err *err)
{
	struct gs_pbin *b;
	struct sym_job job;
	const char *why = NULL;

	if (!grow((void **)&s->bins, &s->capbins, s->nbins, sizeof(*s->bins), MAX_BINS)) {
		close(fd);
		return gs_errf(err, ENOSPC, "more than %d binaries", MAX_BINS);
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	b->fd = fd;
	b->dev = st->st_dev;
	b->ino = st->st_ino;
	b->cls = gs_classify_fd(fd, err);
	if (!b->cls)
		goto fail;
	if (b->cls->verdict == GS_NOT_GO) {
		gs_errf(err, ENOEXEC, "not a Go program (%s)", b->cls->reason);
		goto fail;
	}
	if (gs_proc_exe_path(pid, b->path, sizeof(b->path), err) < 0)
		snprintf(b->path, sizeof(b->path), "/proc/%d/exe", pid);
	if (gs_map_fd(fd, &b->map, &b->map_len, err) < 0)
		goto fail;
	if (gs_elf_parse(&b->elf, b->map, b->map_len, &why) < 0) {
		gs_errf(err, ENOEXEC, "not an ELF image: %s", why ? why : "?");
		goto fail;
	}
	for (unsigned i = 0; i < b->elf.nphdr; i++) {
		const struct gs_phdr *ph = &b->elf.ph[i];

		if (ph->type == PT_LOAD && (ph->flags & PF_X)) {
			b->exec_vaddr = ph->vaddr;
			b->exec_memsz = ph->memsz;
			b->exec_off = ph->off;
			break;
		}
	}
	memset(&job, 0, sizeof(job));
	job.b = b;
	job.minor = go_minor(b->cls);
	if (gs_map_guarded(open_symbols, &job) < 0) {
		gs_errf(err, EIO, "%s: the file changed while it was read", b->path);
		goto fail;
	}
	if (gs_opts.verbose > 0 && (b->sym_note[0] || b->sp_note[0]))
		fprintf(stderr, "goscope: %s: %s%s%s\n", b->path, b->sym_note,
			b->sym_note[0] && b->sp_note[0] ? "; " : "", b->sp_note);
	s->bins[s->nbins++] = b;
	*out = b;
	return 0;
fail:
	bin_free(b);
	return -1;
}

static int bin_for(struct gs_psession *s, int pid, struct gs_pbin **out, struct gs_err *err)
{
	struct stat st;
	int fd;

	fd = gs_proc_open_exe_stat(pid, &st, err);
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < s->nbins; i++) {
		if (s->bins[i]->dev == st.st_dev && s->bins[i]->ino == st.st_ino) {
			close(fd);
			*out = s->bins[i];
			return 0;
		}
	}
	return bin_open(s, pid, fd, &st, out, err);
}

size_t gs_ptarget_sptab_total(const struct gs_psession *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nbins; i++)
		n += s->bins[i]->sptab_n;
	return n;
}

/* ---- processes ---- */

static int load_bias(const struct gs_pproc *p, uint64_t *bias, struct gs_err *err)
{
	struct gs_phdr loads[GS_MAX_PHDR];
	unsigned n = 0;
	char path[64];
	FILE *f;
	int rc;

	for (unsigned i = 0; i < p->bin->elf.nphdr; i++)
		if (p->bin->elf.ph[i].type == PT_LOAD)
			loads[n++] = p->bin->elf.ph[i];
	snprintf(path, sizeof(path), "%s/%d/maps", gs_proc_root(), p->pid);
	f = fopen(path, "re");
	if (!f)
		return gs_errf(err, errno == ENOENT ? ESRCH : errno, "%s: %s", path, strerror(errno));
	rc = gs_maps_bias(f, p->bin->dev, p->bin->ino, loads, n, p->bin->elf.type, bias, err);
	fclose(f);
	return rc;
}

bool gs_ptarget_cpu(const struct gs_pproc *p, unsigned long long *ticks)
{
	struct gs_proc_stat st;
	struct gs_err err;

	if (gs_proc_read_stat(p->pid, &st, &err) < 0 || st.starttime != p->starttime)
		return false;
	*ticks = st.utime + st.stime;
	return true;
}

bool gs_ptarget_alive(const struct gs_pproc *p)
{
	struct gs_proc_stat st;
	struct gs_err err;

	if (gs_proc_read_stat(p->pid, &st, &err) < 0)
		return !gs_proc_gone(&err);
	return st.starttime == p->starttime && st.state != 'Z' && st.state != 'X';
}

int gs_ptarget_add(struct gs_psession *s, int pid, struct gs_pproc **out, struct gs_err *err)
{
	struct gs_proc_stat st;
	struct gs_pproc *p;

	if (gs_proc_read_stat(pid, &st, err) < 0)
		return -1;
	if (st.flags & GS_PF_KTHREAD)
		return gs_errf(err, ENOEXEC, "a kernel thread, not a Go program");
	if (st.state == 'Z' || st.state == 'X')
		return gs_errf(err, ESRCH, "process exited");
	if (!grow((void **)&s->procs, &s->capprocs, s->nprocs, sizeof(*s->procs), MAX_PROCS))
		return gs_errf(err, ENOSPC, "more than %d processes", MAX_PROCS);
	p = calloc(1, sizeof(*p));
	if (!p)
		return gs_errf(err, ENOMEM, "out of memory");
	p->pid = pid;
	p->starttime = st.starttime;
	snprintf(p->name, sizeof(p->name), "%s", st.comm);
	if (bin_for(s, pid, &p->bin, err) < 0)
		goto fail;
	if (load_bias(p, &p->bias, err) < 0)
		goto fail;
	p->slot = (uint32_t)s->nprocs;
	p->cpu_known = gs_ptarget_cpu(p, &p->cpu_ticks0);
	s->procs[s->nprocs++] = p;
	if (out)
		*out = p;
	return 0;
fail:
	free(p);
	return -1;
}

int gs_ptarget_track(struct gs_psession *s, struct gs_pproc *p, struct gs_err *err)
{
	struct gs_pbin *b = p->bin;
	struct gs_cp_proc rec;

	if (b->sptab) {
		if (gs_cpuprof_add_sptab(s->bpf, b->sptab, b->sptab_n, &b->sp_first, err) < 0) {
			snprintf(b->sp_note, sizeof(b->sp_note), "no SP table: %s", err->msg);
		} else {
			b->sp_count = (uint32_t)b->sptab_n;
		}
		free(b->sptab);
		b->sptab = NULL;
	}
	memset(&rec, 0, sizeof(rec));
	rec.slot = p->slot;
	if (b->sp_count) {
		rec.text_lo = b->text_lo + p->bias;
		rec.text_len = b->text_len;
		rec.sp_first = b->sp_first;
		rec.sp_count = b->sp_count;
	}
	return gs_cpuprof_track(s->bpf, p->pid, &rec, err);
}

void gs_ptarget_free_all(struct gs_psession *s)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		struct gs_pproc *p = s->procs[i];

		for (size_t k = 0; k < p->ntop; k++)
			free((char *)p->top[k].func);
		free(p->top);
		free(p);
	}
	free(s->procs);
	for (size_t i = 0; i < s->nbins; i++)
		bin_free(s->bins[i]);
	free(s->bins);
	s->procs = NULL;
	s->bins = NULL;
	s->nprocs = s->nbins = 0;
}
