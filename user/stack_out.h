/* SPDX-License-Identifier: MIT */
/* goscope stack's writers: text, --summary and JSON (user/stack_out.c; a dump given as text: stack_tx_out.c). */
#ifndef GOSCOPE_STACK_OUT_H
#define GOSCOPE_STACK_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gtext.h"
#include "gtrace.h"
#include "stackdump.h"

/* What the JSON document says about where the dump came from. */
struct stack_meta {
	const char *target;		/* the argument */
	int pid;			/* 0: HOST:PORT */
	const char *source;		/* "memory" or "agent" */
	const char *go_version;		/* NULL unknown */
	const char *agent_error;	/* why the agent was not used, NULL */
	bool frozen;
	size_t threads;			/* frozen: threads stopped */
	uint64_t stopped_ns;		/* frozen: how long */
	const struct gs_dump_stats *st;	/* memory: read statistics */
};

/* Bytes to stdout, control characters made safe when it is a terminal. 0 or -1. */
int stack_write(const char *p, size_t n);
void stack_write_end(void);

/* Every listed goroutine of d as text, blank-line separated, into b (all of it). */
int stack_render(const struct gs_trace_ctx *c, const struct gs_dump *d, struct gs_tbuf *b);
/* The same straight to stdout, goroutine by goroutine. Returns an exit code. */
int stack_print_text(const struct gs_trace_ctx *c, const struct gs_dump *d);
/* The JSON document of d. Returns an exit code. */
int stack_print_json(const struct gs_trace_ctx *c, const struct gs_dump *d,
		     const struct stack_meta *m);

/* --summary of a dump in text form (ours rendered, or an agent's). Returns an exit code. */
/* The members every JSON document starts with (stack_out.c). */
json_t *stack_meta_json(const struct stack_meta *m);

/* A dump given as text (stack_tx_out.c). */
int stack_print_summary(const struct gs_tx *tx, const struct stack_meta *m);
/* The JSON goroutines of a dump in text form (an agent's reply). */
int stack_print_tx_json(const struct gs_tx *tx, const struct stack_meta *m);

#endif
