/* SPDX-License-Identifier: MIT */
/*
 * `list --check-agents`: dial every live agent in parallel, each under the
 * caller's deadline, and keep the '*' only for those that answer
 * (discover.h: gs_agent_check).
 */
#include "discover.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

#define CHECK_THREADS 32

struct check_job {
	const int *pids;
	bool *ok;
	size_t n;
	int timeout_ms;
	atomic_size_t next;
};

/* Did the call get past connecting? The client reports dial failures as Go does: "dial ...". */
static bool connected(const struct gs_err *e)
{
	return strncmp(e->msg, "dial ", 5) != 0 && !strstr(e->msg, "network namespace");
}

static void check_one(struct check_job *j, size_t i)
{
	struct gs_agent_timeouts t = { .connect_ms = j->timeout_ms, .idle_ms = j->timeout_ms };
	struct gs_agent_loc *loc = malloc(sizeof(*loc));
	struct gs_err e = { 0 };
	struct gs_agent_addr a;
	char buf[64];

	j->ok[i] = false;
	if (!loc)
		return;
	if (gs_agent_locate(j->pids[i], 0, loc, NULL) == 0 && loc->state == GS_AGENT_LIVE) {
		gs_agent_loc_addr(loc, &a);
		/* Accepted, even if a busy agent (a 30 s profile) does not answer in time. */
		j->ok[i] = gs_agent_call_buf(&a, GS_AGENT_VERSION, 0, buf, sizeof(buf), &t, &e) >= 0 ||
			   connected(&e);
	}
	free(loc);
}

static void *check_worker(void *arg)
{
	struct check_job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
		check_one(j, i);
	return NULL;
}

void gs_agent_check(const int *pids, size_t n, bool *ok, int timeout_ms)
{
	struct check_job j = { .pids = pids, .ok = ok, .n = n, .timeout_ms = timeout_ms };
	pthread_t th[CHECK_THREADS];
	size_t nt = n < CHECK_THREADS ? n : CHECK_THREADS, started = 0;

	atomic_init(&j.next, 0);
	for (size_t i = 0; i < nt; i++) {
		if (pthread_create(&th[i], NULL, check_worker, &j) != 0)
			break;
		started++;
	}
	/* This thread works too: with no thread started, it does it all. */
	check_worker(&j);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}
