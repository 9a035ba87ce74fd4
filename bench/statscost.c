/* SPDX-License-Identifier: MIT */
/*
 * statscost PID [ROUNDS]: the cost of an agentless read of a live Go
 * process, in the steps `goscope stats --agentless` takes, with a warm page
 * cache: the per-binary layout (classification, runtime layout, globals
 * from .symtab or code), the per-process attach (load bias) and one sample
 * of every value. Prints medians in milliseconds, of wall time and of this
 * process's CPU time (the machine may be shared: CPU time is what the
 * steps cost, wall time what a user waits).
 */
#include "liveread.h"
#include "proc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double clock_ms(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static double cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	int pid = argc > 1 ? atoi(argv[1]) : 0, rounds = argc > 2 ? atoi(argv[2]) : 21;
	double *lay_ms, *att_ms, *smp_ms, *lay_cpu, *all_cpu;
	struct gs_rt_layout *lay;
	struct gs_live_stats st;
	struct gs_live lv;
	struct gs_err err;

	if (pid <= 0 || rounds <= 0 || rounds > 10000) {
		fprintf(stderr, "usage: statscost PID [ROUNDS]\n");
		return 2;
	}
	lay = malloc(sizeof(*lay));
	lay_ms = calloc((size_t)rounds, sizeof(double));
	att_ms = calloc((size_t)rounds, sizeof(double));
	smp_ms = calloc((size_t)rounds, sizeof(double));
	lay_cpu = calloc((size_t)rounds, sizeof(double));
	all_cpu = calloc((size_t)rounds, sizeof(double));
	if (!lay || !lay_ms || !att_ms || !smp_ms || !lay_cpu || !all_cpu)
		return 1;
	for (int i = 0; i < rounds; i++) {
		double a, b, c, d, ca, cb, cd;
		int fd = gs_proc_open_exe(pid, &err);

		if (fd < 0) {
			fprintf(stderr, "statscost: %s\n", err.msg);
			return 1;
		}
		ca = cpu_ms();
		a = now_ms();
		if (gs_rt_layout_load(fd, lay, &err) < 0) {
			fprintf(stderr, "statscost: layout: %s\n", err.msg);
			return 1;
		}
		b = now_ms();
		cb = cpu_ms();
		if (gs_live_attach(&lv, pid, lay, &err) < 0) {
			fprintf(stderr, "statscost: attach: %s\n", err.msg);
			return 1;
		}
		c = now_ms();
		gs_live_sample(&lv, &st, &err);
		d = now_ms();
		cd = cpu_ms();
		close(fd);
		lay_cpu[i] = cb - ca;
		all_cpu[i] = cd - ca;
		lay_ms[i] = b - a;
		att_ms[i] = c - b;
		smp_ms[i] = d - c;
	}
	printf("pid=%d version=%s", pid, lay->version);
	for (int v = 0; v < 4; v++)
		printf(" %s=%s", gs_live_value_key(v),
		       st.v[v].ok ? gs_live_src_name(st.v[v].src) : "unavailable");
	printf("\nlayout_ms=%.2f attach_ms=%.2f sample_ms=%.2f layout_cpu_ms=%.2f total_cpu_ms=%.2f"
	       " (medians of %d)\n", median(lay_ms, rounds), median(att_ms, rounds),
	       median(smp_ms, rounds), median(lay_cpu, rounds), median(all_cpu, rounds), rounds);
	return 0;
}
