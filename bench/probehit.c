// SPDX-License-Identifier: MIT
/*
 * The cost of one goscope probe hit on this machine: goscope's own BPF
 * program (bpf/goruntime.bpf.c, the goroutine counter: a map lookup and an
 * atomic add) attached as a uprobe to a function of this program, called N
 * times, against the same calls unprobed. Twice: on a conditional branch
 * shaped like a Go stack check (`cmp; jbe`, not taken), which the kernel
 * emulates and where goscope puts its probes, and on an ordinary
 * instruction, which the kernel must single-step out of line. Needs root
 * (or CAP_BPF and CAP_PERFMON).
 *
 *	probehit [N]	default 200000; prints ns per call and per hit
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "goruntime.h"
#include "goruntime.skel.h"

/* A stack check as Go emits it (the branch is not taken), then a body. */
__asm__(".text\n"
	".globl probehit_target\n"
	".type probehit_target, @function\n"
	"probehit_target:\n"
	"	cmp 8(%rsp), %rsp\n"	/* rsp < [rsp+8]: neither below nor equal */
	"	jbe 1f\n"
	"1:	sub $8, %rsp\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".size probehit_target, . - probehit_target\n");
void probehit_target(uint64_t x);
#define JBE_AT	5	/* cmp 8(%rsp), %rsp is 5 bytes */
#define SUB_AT	7	/* after the 2-byte jbe */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double per_call(long n)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < n; i++)
		probehit_target((uint64_t)i);
	return (double)(now_ns() - t0) / (double)n;
}

/* File offset of addr in this executable, from /proc/self/maps. */
static long self_offset(uintptr_t addr)
{
	unsigned long start, end, off;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");
	long ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx", &start, &end, perms, &off) != 4)
			continue;
		if (addr >= start && addr < end && strchr(perms, 'x')) {
			ret = (long)(addr - start + off);
			break;
		}
	}
	fclose(f);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ns per call with the goexit counter on off (cookie c), or without (off < 0). */
static double measure(struct goruntime_bpf *skel, long n, long off, __u64 cookie, int *ok)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie);
	struct bpf_link *link = NULL;
	struct gs_rt_state st;
	__u32 key = (__u32)getpid();
	double t[5];

	if (off >= 0) {
		bpf_map_delete_elem(bpf_map__fd(skel->maps.gs_rt_states), &key);
		link = bpf_program__attach_uprobe_opts(skel->progs.gs_goexit, getpid(),
						       "/proc/self/exe", (size_t)off, &uo);
		if (!link) {
			fprintf(stderr, "probehit: attach: %s\n", strerror(errno));
			*ok = 0;
			return 0;
		}
	}
	per_call(n / 10);
	for (int r = 0; r < 5; r++)
		t[r] = per_call(n);
	if (link) {
		/* Every call must have been counted, once. */
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.gs_rt_states), &key, &st) != 0 ||
		    st.goexit != (gs_u64)(5 * n + n / 10)) {
			fprintf(stderr, "probehit: the program did not count every call once\n");
			*ok = 0;
		}
		bpf_link__destroy(link);
	}
	qsort(t, 5, sizeof(t[0]), cmp_double);
	return t[2];
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	struct goruntime_bpf *skel;
	double base, jbe, sub;
	int ok = 1;
	long off;

	if (n <= 0)
		return 2;
	off = self_offset((uintptr_t)probehit_target);
	if (off < 0) {
		fprintf(stderr, "probehit: cannot find my own code in /proc/self/maps\n");
		return 1;
	}
	skel = goruntime_bpf__open();
	if (!skel) {
		fprintf(stderr, "probehit: open: %s\n", strerror(errno));
		return 1;
	}
	bpf_program__set_autoload(skel->progs.gs_newproc, false);
	if (goruntime_bpf__load(skel)) {
		fprintf(stderr, "probehit: load: %s (root?)\n", strerror(errno));
		goruntime_bpf__destroy(skel);
		return 3;
	}
	base = measure(skel, n, -1, 0, &ok);
	jbe = measure(skel, n, off + JBE_AT, GS_RT_COOKIE_STACKCHECK, &ok);
	sub = measure(skel, n, off + SUB_AT, 0, &ok);
	goruntime_bpf__destroy(skel);
	if (!ok)
		return 1;
	printf("calls per run %ld, medians of 5 runs:\n", n);
	printf("  unprobed call                               %8.1f ns\n", base);
	printf("  hit on a stack check's jbe (emulated)       %8.1f ns\n", jbe - base);
	printf("  hit on an ordinary instruction (single-step) %7.1f ns\n", sub - base);
	printf("probehit_ns %.0f\n", jbe - base);
	printf("probehit_sstep_ns %.0f\n", sub - base);
	return 0;
}
