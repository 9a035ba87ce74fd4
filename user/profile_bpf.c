// SPDX-License-Identifier: MIT
/*
 * Agentless CPU profiles, BPF side: load bpf/cpuprofile.bpf.c with its maps
 * sized for the run, fill the process map and the SP-delta tables, open one
 * cpu-clock perf event per CPU with the program attached, and read the
 * counted stacks back at the end.
 *
 * The SP-delta table array is created memory-mappable, so a binary's table
 * (tens of thousands of entries) is one memcpy, not one system call per
 * entry. A table is written before the process record that points at it,
 * so the program never reads a half-written one.
 */
#include "profile_bpf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfload.h"
#include "output.h"
#include "cpuprofile.skel.h"

_Static_assert(sizeof(struct gs_cp_proc) == 2 * 8 + 4 * 4, "struct gs_cp_proc has padding");
_Static_assert(sizeof(struct gs_cp_spent) == 8, "struct gs_cp_spent has padding");
_Static_assert(sizeof(struct gs_cp_key) == 2 * 4 + 2 * 8, "struct gs_cp_key has padding");
_Static_assert(sizeof(struct gs_cp_spill_key) == 2 * 4 + 8 + GS_CP_MAX_DEPTH * 8,
	       "struct gs_cp_spill_key has padding");

#define DEFAULT_STACKS	8192
#define DEFAULT_KEYS	16384
#define MAX_STACKS	(1u << 18)
#define MAX_KEYS	(1u << 20)
#define MAX_STACK_KNOB	"/proc/sys/kernel/perf_event_max_stack"
#define PARANOID_KNOB	"/proc/sys/kernel/perf_event_paranoid"

struct gs_cpuprof {
	struct cpuprofile_bpf *skel;
	unsigned depth;			/* frames per stack map value */
	uint64_t period_ns;
	/* the SP-delta tables */
	struct gs_cp_spent *sptab;	/* mmap of gs_cp_sptab */
	size_t sptab_cap, sptab_used, sptab_map_len;
	/* one perf event and link per CPU */
	int *pfds;
	struct bpf_link **links;
	unsigned nfds;
	unsigned ncpus;
	uint64_t drain_missing;
};

static unsigned clampu(unsigned v, unsigned dflt, unsigned max)
{
	if (!v)
		return dflt;
	return v > max ? max : v;
}

/* The kernel refuses stack maps deeper than kernel.perf_event_max_stack. */
static unsigned stack_depth(void)
{
	FILE *f = fopen(MAX_STACK_KNOB, "re");
	unsigned long v = GS_CP_MAX_DEPTH;
	char buf[32], *end;

	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			v = strtoul(buf, &end, 10);
			if (end == buf || v == 0)
				v = GS_CP_MAX_DEPTH;
		}
		fclose(f);
	}
	return v < GS_CP_MAX_DEPTH ? (unsigned)v : GS_CP_MAX_DEPTH;
}

struct gs_cpuprof *gs_cpuprof_open(const struct gs_cpuprof_opts *o, bool *nocap,
				   struct gs_err *err)
{
	struct gs_cpuprof *p;
	struct gs_err check;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), cap;
	void *m;
	int ret;

	*nocap = false;
	if (gs_bpf_check(&check) < 0) {
		*err = check;
		*nocap = true;
		return NULL;
	}
	if (o->sptab_entries > GS_CP_MAX_SPTAB) {
		gs_errf(err, E2BIG, "SP-delta tables of %zu entries: more than %u", o->sptab_entries,
			GS_CP_MAX_SPTAB);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	p->period_ns = o->period_ns ? o->period_ns : 10000000ull;
	p->depth = stack_depth();
	cap = o->sptab_entries ? o->sptab_entries : 1;
	p->skel = cpuprofile_bpf__open();
	if (!p->skel) {
		gs_errf(err, errno, "opening the BPF profile object: %s", strerror(errno));
		goto fail;
	}
	p->skel->rodata->targ_tgid = o->targ_tgid;
	p->skel->rodata->leaf_fix = !o->no_leaf_fix && o->sptab_entries > 0;
	if ((ret = bpf_map__set_max_entries(p->skel->maps.gs_cp_stacks,
					    clampu(o->max_stacks, DEFAULT_STACKS, MAX_STACKS))) ||
	    (ret = bpf_map__set_value_size(p->skel->maps.gs_cp_stacks,
					   p->depth * (unsigned)sizeof(uint64_t))) ||
	    (ret = bpf_map__set_max_entries(p->skel->maps.gs_cp_counts,
					    clampu(o->max_keys, DEFAULT_KEYS, MAX_KEYS))) ||
	    /* Allocated per stack that collides, not in advance (BPF_F_NO_PREALLOC). */
	    (ret = bpf_map__set_max_entries(p->skel->maps.gs_cp_spill,
					    clampu(o->max_stacks, DEFAULT_STACKS, MAX_STACKS))) ||
	    (ret = bpf_map__set_max_entries(p->skel->maps.gs_cp_sptab, (uint32_t)cap))) {
		gs_errf(err, -ret, "sizing the BPF profile maps: %s", strerror(-ret));
		goto fail;
	}
	ret = cpuprofile_bpf__load(p->skel);
	if (ret) {
		gs_errf(err, -ret, "loading the BPF profile program: %s%s", strerror(-ret),
			gs_opts.verbose ? "" : "; -v shows libbpf's log");
		*nocap = gs_bpf_errno_is_nocap(-ret);
		goto fail;
	}
	p->sptab_map_len = (cap * sizeof(struct gs_cp_spent) + page - 1) / page * page;
	m = mmap(NULL, p->sptab_map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(p->skel->maps.gs_cp_sptab), 0);
	if (m == MAP_FAILED) {
		gs_errf(err, errno, "mapping the SP-delta table: %s", strerror(errno));
		p->sptab_map_len = 0;
		goto fail;
	}
	p->sptab = m;
	p->sptab_cap = o->sptab_entries;
	return p;
fail:
	gs_cpuprof_close(p);
	return NULL;
}

void gs_cpuprof_close(struct gs_cpuprof *p)
{
	if (!p)
		return;
	gs_cpuprof_stop(p);
	if (p->sptab)
		munmap(p->sptab, p->sptab_map_len);
	cpuprofile_bpf__destroy(p->skel);
	free(p);
}

int gs_cpuprof_add_sptab(struct gs_cpuprof *p, const struct gs_cp_spent *e, size_t n,
			 uint32_t *first, struct gs_err *err)
{
	if (n > p->sptab_cap - p->sptab_used)
		return gs_errf(err, ENOSPC, "no room for %zu more SP-delta entries (%zu of %zu used)",
			       n, p->sptab_used, p->sptab_cap);
	memcpy(p->sptab + p->sptab_used, e, n * sizeof(*e));
	*first = (uint32_t)p->sptab_used;
	p->sptab_used += n;
	/* The entries are in place before any record points at them. */
	__sync_synchronize();
	return 0;
}

int gs_cpuprof_track(struct gs_cpuprof *p, int tgid, const struct gs_cp_proc *rec,
		     struct gs_err *err)
{
	uint32_t key = (uint32_t)tgid;

	if (rec->sp_count && ((size_t)rec->sp_first + rec->sp_count > p->sptab_used))
		return gs_errf(err, EINVAL, "process %d: SP-delta table outside the loaded ones",
			       tgid);
	if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.gs_cp_procs), &key, rec, BPF_ANY))
		return gs_errf(err, errno, "tracking process %d: %s", tgid, strerror(errno));
	return 0;
}

void gs_cpuprof_untrack(struct gs_cpuprof *p, int tgid)
{
	uint32_t key = (uint32_t)tgid;

	bpf_map_delete_elem(bpf_map__fd(p->skel->maps.gs_cp_procs), &key);
}

static int perf_open(struct perf_event_attr *a, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Why a CPU-wide perf event was refused, in one line. */
static int perf_error(int code, int cpu, bool *nocap, struct gs_err *err)
{
	char buf[32] = "?";
	FILE *f;

	switch (code) {
	case EACCES:
	case EPERM:
		f = fopen(PARANOID_KNOB, "re");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				strcpy(buf, "?");
			buf[strcspn(buf, "\n")] = 0;
			fclose(f);
		}
		*nocap = true;
		return gs_errf(err, code,
			       "perf events not allowed on CPU %d: %s (kernel.perf_event_paranoid=%s; "
			       "needs CAP_PERFMON)", cpu, strerror(code), buf);
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
	case ENOSYS:
		*nocap = true;
		return gs_errf(err, code, "this kernel has no cpu-clock perf event (CPU %d): %s", cpu,
			       strerror(code));
	default:
		*nocap = gs_bpf_errno_is_nocap(code);
		return gs_errf(err, code, "opening the cpu-clock perf event on CPU %d: %s", cpu,
			       strerror(code));
	}
}

int gs_cpuprof_start(struct gs_cpuprof *p, bool *nocap, struct gs_err *err)
{
	int ncpu = libbpf_num_possible_cpus();
	struct perf_event_attr a;

	*nocap = false;
	if (ncpu <= 0)
		return gs_errf(err, -ncpu, "counting CPUs: %s", strerror(-ncpu));
	p->pfds = calloc((size_t)ncpu, sizeof(*p->pfds));
	p->links = calloc((size_t)ncpu, sizeof(*p->links));
	if (!p->pfds || !p->links)
		return gs_errf(err, ENOMEM, "out of memory");
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = p->period_ns;	/* cpu-clock counts nanoseconds */
	a.disabled = 1;			/* attaching the program enables it */
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int fd = perf_open(&a, cpu), code;

		if (fd < 0) {
			code = errno;
			if (code == ENODEV)
				continue;	/* a possible CPU that is not online */
			return perf_error(code, cpu, nocap, err);
		}
		p->pfds[p->nfds] = fd;
		p->links[p->nfds] = bpf_program__attach_perf_event(p->skel->progs.gs_cpu_sample, fd);
		if (!p->links[p->nfds]) {
			code = errno;
			close(fd);
			*nocap = gs_bpf_errno_is_nocap(code);
			return gs_errf(err, code, "attaching the BPF profile program on CPU %d: %s",
				       cpu, strerror(code));
		}
		p->nfds++;
	}
	if (!p->nfds) {
		*nocap = true;
		return gs_errf(err, ENODEV, "no CPU accepted a cpu-clock perf event");
	}
	p->ncpus = p->nfds;
	return 0;
}

void gs_cpuprof_stop(struct gs_cpuprof *p)
{
	for (unsigned i = 0; i < p->nfds; i++) {
		bpf_link__destroy(p->links[i]);
		close(p->pfds[i]);
	}
	p->nfds = 0;
	free(p->links);
	free(p->pfds);
	p->links = NULL;
	p->pfds = NULL;
}

unsigned gs_cpuprof_ncpus(const struct gs_cpuprof *p)
{
	return p->ncpus;
}

unsigned gs_cpuprof_depth(const struct gs_cpuprof *p)
{
	return p->depth;
}

/* The spill map: keys are whole stacks. */
static int drain_spill(struct gs_cpuprof *p, gs_cpuprof_fn fn, void *ctx)
{
	int fd = bpf_map__fd(p->skel->maps.gs_cp_spill);
	struct gs_cp_spill_key *key, *next;
	uint64_t ips[GS_CP_MAX_DEPTH];
	struct gs_cp_key k;
	bool first = true;
	uint64_t count;
	int rc = 0;

	key = calloc(2, sizeof(*key));
	if (!key)
		return -ENOMEM;
	next = key + 1;
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		unsigned n = 0;

		first = false;
		*key = *next;
		if (bpf_map_lookup_elem(fd, key, &count) != 0) {
			p->drain_missing++;
			continue;
		}
		while (n < GS_CP_MAX_DEPTH && key->ips[n]) {
			ips[n] = key->ips[n];
			n++;
		}
		memset(&k, 0, sizeof(k));
		k.slot = key->slot;
		k.stack_id = -2;	/* spilled: the stack is in ips */
		k.caller = key->caller;
		rc = fn(ctx, &k, count, ips, n);
		if (rc)
			break;
	}
	free(key);
	return rc;
}

int gs_cpuprof_drain(struct gs_cpuprof *p, gs_cpuprof_fn fn, void *ctx, struct gs_err *err)
{
	int counts = bpf_map__fd(p->skel->maps.gs_cp_counts);
	int stacks = bpf_map__fd(p->skel->maps.gs_cp_stacks);
	struct gs_cp_key key, next;
	uint64_t *ips, count;
	bool first = true;
	int rc = 0;

	ips = calloc(p->depth, sizeof(*ips));
	if (!ips)
		return gs_errf(err, ENOMEM, "out of memory");
	while (bpf_map_get_next_key(counts, first ? NULL : &key, &next) == 0) {
		unsigned n = 0;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(counts, &key, &count) != 0) {
			p->drain_missing++;
			continue;
		}
		if (key.stack_id >= 0) {
			uint32_t id = (uint32_t)key.stack_id;

			if (bpf_map_lookup_elem(stacks, &id, ips) != 0) {
				p->drain_missing += count;
				continue;
			}
			/* The value is zero-filled past the last frame. */
			while (n < p->depth && ips[n])
				n++;
		}
		rc = fn(ctx, &key, count, ips, n);
		if (rc)
			break;
	}
	free(ips);
	if (!rc)
		rc = drain_spill(p, fn, ctx);
	return rc;
}

void gs_cpuprof_stats(struct gs_cpuprof *p, uint64_t out[GS_CPS_COUNT])
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(p->skel->maps.gs_cp_stats);
	uint64_t *vals;

	memset(out, 0, GS_CPS_COUNT * sizeof(*out));
	if (ncpu <= 0)
		return;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (uint32_t k = 0; k < GS_CPS_COUNT; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals) != 0)
			continue;
		for (int i = 0; i < ncpu; i++)
			out[k] += vals[i];
	}
	free(vals);
}

uint64_t gs_cpuprof_drain_missing(const struct gs_cpuprof *p)
{
	return p->drain_missing;
}
