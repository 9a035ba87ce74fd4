// SPDX-License-Identifier: MIT
/*
 * watch_spawn: run a program again and again, as fast as the machine allows
 * or at a set rate, for goscope watch's storm test and benchmark.
 *
 *   watch_spawn [-n COUNT | -t SECONDS] [-r RATE] [-j INFLIGHT]
 *               [-g GOPROG -e EVERY] [-o FILE] [PROG [ARGS...]]
 *
 * PROG defaults to /bin/true. With -g, every EVERY-th spawn runs GOPROG
 * (no arguments) instead. Up to INFLIGHT children run at once (default 4).
 * -r paces the spawns to RATE per second (0: no pacing). -o writes one line
 * per child when it is reaped: "g PID STATUS" for GOPROG, "p PID STATUS" for
 * PROG (STATUS: the exit code, or 128+signal). A summary goes to stderr:
 * "spawned N (G go) in S s: R/s".
 * posix_spawn (vfork underneath) keeps the spawner's own cost low.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "watch_spawn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int usage(void)
{
	fprintf(stderr, "usage: watch_spawn [-n COUNT | -t SECONDS] [-r RATE] [-j INFLIGHT] "
		"[-g GOPROG -e EVERY] [-o FILE] [PROG [ARGS...]]\n");
	return 2;
}

struct child {
	pid_t pid;
	char kind;
};

int main(int argc, char **argv)
{
	static char *default_argv[] = { "/bin/true", NULL };
	char *go_argv[2] = { NULL, NULL }, **prog_argv = default_argv;
	long count = 0, every = 0, inflight = 4, spawned = 0, gos = 0, running = 0;
	double seconds = 0, rate = 0, start, next;
	posix_spawn_file_actions_t fa;
	struct child *kids;
	FILE *out = NULL;
	int c, devnull, failed = 0;

	while ((c = getopt(argc, argv, "+n:t:r:j:g:e:o:")) != -1) {
		switch (c) {
		case 'n': count = atol(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'j': inflight = atol(optarg); break;
		case 'g': go_argv[0] = optarg; break;
		case 'e': every = atol(optarg); break;
		case 'o':
			out = fopen(optarg, "w");
			if (!out)
				die(optarg);
			break;
		default:
			return usage();
		}
	}
	if (optind < argc)
		prog_argv = argv + optind;
	if ((count <= 0 && seconds <= 0) || inflight <= 0 || inflight > 4096 || rate < 0 ||
	    (go_argv[0] && every <= 0))
		return usage();

	kids = calloc((size_t)inflight, sizeof(*kids));
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (!kids || devnull < 0)
		die("set-up");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, devnull, 1);
	posix_spawn_file_actions_adddup2(&fa, devnull, 2);

	start = next = now_s();
	for (;;) {
		bool more = count > 0 ? spawned < count : now_s() - start < seconds;
		int status;
		pid_t pid;

		/* Spawn while there is room, then reap one. */
		if (more && running < inflight) {
			bool go = go_argv[0] && (spawned + 1) % every == 0;
			char **av = go ? go_argv : prog_argv;
			long slot;

			if (rate > 0) {
				double wait = next - now_s();

				if (wait > 0) {
					struct timespec ts = { (time_t)wait,
							       (long)((wait - (double)(time_t)wait) * 1e9) };
					nanosleep(&ts, NULL);
				}
				next += 1.0 / rate;
			}
			for (slot = 0; slot < inflight && kids[slot].pid; slot++)
				;
			errno = posix_spawn(&pid, av[0], &fa, NULL, av, environ);
			if (errno) {
				failed++;
				if (failed > 100)
					die("posix_spawn");
				continue;
			}
			kids[slot].pid = pid;
			kids[slot].kind = go ? 'g' : 'p';
			running++;
			spawned++;
			gos += go;
			continue;
		}
		if (!running)
			break;
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die("waitpid");
		}
		for (long i = 0; i < inflight; i++) {
			if (kids[i].pid != pid)
				continue;
			if (out)
				fprintf(out, "%c %d %d\n", kids[i].kind, (int)pid,
					WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status));
			kids[i].pid = 0;
			running--;
			break;
		}
	}
	{
		double el = now_s() - start;

		fprintf(stderr, "spawned %ld (%ld go) in %.3f s: %.0f/s\n", spawned, gos, el,
			el > 0 ? (double)spawned / el : 0.0);
	}
	posix_spawn_file_actions_destroy(&fa);
	free(kids);
	close(devnull);
	if (out && fclose(out) != 0)
		die("writing the pid list");
	return 0;
}
