/* SPDX-License-Identifier: MIT */
/*
 * timeit N CMD [ARGS...]: run CMD N times with stdout to /dev/null and print
 * "median_ms=... min_ms=... max_ms=... maxrss_kb=..." (wall time of each run,
 * peak RSS of the child from wait4). Benchmarks print figures; they never
 * pass or fail on time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	double *ms;
	long maxrss = 0;

	if (n <= 0 || n > 10000) {
		fprintf(stderr, "usage: timeit N CMD [ARGS...]\n");
		return 2;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		int status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "timeit: %s failed\n", argv[2]);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("median_ms=%.2f min_ms=%.2f max_ms=%.2f maxrss_kb=%ld\n", ms[n / 2], ms[0],
	       ms[n - 1], maxrss);
	free(ms);
	return 0;
}
