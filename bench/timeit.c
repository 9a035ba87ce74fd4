/* SPDX-License-Identifier: MIT */
/*
 * timeit N CMD [ARGS...]: run CMD N times with stdout to /dev/null and print
 * "median_ms=... min_ms=... max_ms=... maxrss_kb=..." (wall time of each run,
 * peak RSS of the child from wait4).
 *
 * timeit N CMD [ARGS...] -- CMD2 [ARGS...]: run the two in turn, N times
 * each, so that load from elsewhere on a shared machine falls on both alike;
 * print a line for each, then "ratio wall=... cpu=..." (CMD over CMD2, of the
 * medians). Each line also has cpu_ms, the median of user + system time.
 *
 * Benchmarks print figures; they never pass or fail on time.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct series {
	char **argv;
	double *ms, *cpu;
	long maxrss;
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run(struct series *s, int i)
{
	struct timespec a, b;
	struct rusage ru;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execvp(s->argv[0], s->argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "timeit: %s failed\n", s->argv[0]);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	s->ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	s->cpu[i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	if (ru.ru_maxrss > s->maxrss)
		s->maxrss = ru.ru_maxrss;
	return 0;
}

/* Sorts the series; prints its line. */
static void report(struct series *s, int n, bool with_cpu)
{
	qsort(s->ms, (size_t)n, sizeof(*s->ms), cmp);
	qsort(s->cpu, (size_t)n, sizeof(*s->cpu), cmp);
	printf("median_ms=%.2f min_ms=%.2f max_ms=%.2f maxrss_kb=%ld", s->ms[n / 2], s->ms[0],
	       s->ms[n - 1], s->maxrss);
	if (with_cpu)
		printf(" cpu_ms=%.2f", s->cpu[n / 2]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, ns = 1;
	struct series s[2] = { { argv + 2, NULL, NULL, 0 } };

	if (n <= 0 || n > 10000) {
		fprintf(stderr, "usage: timeit N CMD [ARGS...] [-- CMD2 [ARGS...]]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 && i + 1 < argc && i > 2) {
			argv[i] = NULL;
			s[1].argv = argv + i + 1;
			ns = 2;
			break;
		}
	}
	for (int k = 0; k < ns; k++) {
		s[k].ms = calloc((size_t)n, sizeof(double));
		s[k].cpu = calloc((size_t)n, sizeof(double));
		if (!s[k].ms || !s[k].cpu)
			return 1;
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < ns; k++)
			if (run(&s[k], i) < 0)
				return 1;
	for (int k = 0; k < ns; k++)
		report(&s[k], n, ns == 2);
	if (ns == 2)
		printf("ratio wall=%.2f cpu=%.2f\n", s[0].ms[n / 2] / s[1].ms[n / 2],
		       s[0].cpu[n / 2] / s[1].cpu[n / 2]);
	for (int k = 0; k < ns; k++) {
		free(s[k].ms);
		free(s[k].cpu);
	}
	return 0;
}
