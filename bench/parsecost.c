/* SPDX-License-Identifier: MIT */
/*
 * parsecost FILE [ROUNDS]: the per-binary cost of classification with a warm
 * page cache (the file is mapped once, then classified ROUNDS times), and of
 * placing one uprobe (probepoint.h: the file mapped, pclntab found, the
 * function looked up by name, its stack check decoded). Prints medians in
 * microseconds.
 */
#include "classify.h"
#include "probepoint.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 50;
	double *cls, *look;
	struct gs_err err;
	const void *data;
	size_t size;
	int fd;

	if (argc < 2 || rounds <= 0 || rounds > 100000) {
		fprintf(stderr, "usage: parsecost FILE [ROUNDS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || gs_map_fd(fd, &data, &size, &err) < 0) {
		perror(argv[1]);
		return 1;
	}
	cls = calloc((size_t)rounds, sizeof(double));
	look = calloc((size_t)rounds, sizeof(double));
	for (int i = 0; i < rounds; i++) {
		struct gs_probe_point pp = { .func = "runtime.gcStart" };
		struct gs_class c;
		double a = now_us();

		gs_classify_mem(data, size, &c);
		cls[i] = now_us() - a;
		if (i == 0)
			printf("file=%s size=%zu verdict=%s version=%s\n", argv[1], size,
			       gs_verdict_str(c.verdict), c.version);
		gs_class_fini(&c);
		a = now_us();
		if (gs_probe_points_fd(fd, &pp, 1, &err) < 0 || !pp.found) {
			fprintf(stderr, "%s: runtime.gcStart: %s\n", argv[1],
				pp.why[0] ? pp.why : err.msg);
			return 1;
		}
		look[i] = now_us() - a;
	}
	qsort(cls, (size_t)rounds, sizeof(double), cmp);
	qsort(look, (size_t)rounds, sizeof(double), cmp);
	printf("classify_median_us=%.1f probe_point_gcStart_median_us=%.1f\n", cls[rounds / 2],
	       look[rounds / 2]);
	return 0;
}
