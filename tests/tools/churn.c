/* SPDX-License-Identifier: MIT */
/*
 * churn RATE SECONDS PROG [ARGS...]: start RATE short-lived processes a
 * second for SECONDS, alternating PROG (with ARGS) and /bin/true, reaping
 * them as they end. Prints "started N" at the end. For process-churn tests:
 * commands must survive PIDs appearing and vanishing under them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char *truev[] = { "/bin/true", NULL };
	double rate, secs, start, next;
	unsigned long n = 0;

	if (argc < 4 || (rate = atof(argv[1])) <= 0 || rate > 100000 ||
	    (secs = atof(argv[2])) <= 0 || secs > 3600) {
		fprintf(stderr, "usage: churn RATE SECONDS PROG [ARGS...]\n");
		return 2;
	}
	start = next = now();
	while (now() - start < secs) {
		pid_t pid = fork();

		if (pid == 0) {
			if (n & 1)
				execv(truev[0], truev);
			else
				execv(argv[3], argv + 3);
			_exit(127);
		}
		if (pid > 0)
			n++;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		next += 1.0 / rate;
		if (next > now()) {
			double d = next - now();
			struct timespec ts = { (time_t)d, (long)((d - (time_t)d) * 1e9) };

			nanosleep(&ts, NULL);
		}
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	printf("started %lu\n", n);
	return 0;
}
