/* SPDX-License-Identifier: MIT */
/* A live Go process made ready for stack reads (gtarget.h). */
#include "gtarget.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "proc.h"

unsigned gs_go_minor(const char *v)
{
	unsigned long n;
	char *end;

	if (!v || strncmp(v, "go1.", 4) != 0 || v[4] < '0' || v[4] > '9')
		return 0;
	n = strtoul(v + 4, &end, 10);
	if (n > 1000 || (*end && *end != '.' && *end != 'r' && *end != 'b'))
		return 0;
	return (unsigned)n;
}

/* The lowest release the tables and the layout allow, when no exact version is known. */
static unsigned infer_minor(const struct gs_gtarget *t)
{
	struct gs_sym_info in;

	gs_sym_get_info(t->sym, &in);
	switch (in.ver) {
	case GS_PCLN_120:
		return t->lay->off.f[GS_RT_G_PARENTGOID].known ? 21 : 20;
	case GS_PCLN_118:
		return 18;
	case GS_PCLN_116:
		return 16;
	default:
		return 15;
	}
}

int gs_gtarget_open(pid_t pid, struct gs_gtarget **out, struct gs_err *err)
{
	struct gs_gtarget *t;
	struct gs_live lv;
	const char *why = NULL;
	int fd;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return gs_errf(err, ENOMEM, "out of memory");
	t->pid = pid;
	t->lay = calloc(1, sizeof(*t->lay));
	if (!t->lay) {
		free(t);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	fd = gs_proc_open_exe(pid, err);
	if (fd < 0)
		goto fail;
	if (gs_rt_layout_load(fd, t->lay, err) < 0 || gs_map_fd(fd, &t->map, &t->size, err) < 0) {
		close(fd);
		goto fail;
	}
	close(fd);
	if (!t->map || gs_elf_parse(&t->e, t->map, t->size, &why) < 0) {
		gs_errf(err, ENOEXEC, "not an ELF file we can read (%s)", why ? why : "empty");
		goto fail;
	}
	if (!t->e.is64 || t->e.be || (t->e.machine != EM_X86_64 && t->e.machine != EM_AARCH64)) {
		gs_errf(err, ENOTSUP, "only 64-bit x86 and arm64 Go programs are read");
		goto fail;
	}
	if (!t->lay->layout) {
		gs_errf(err, ENOENT, "%s", t->lay->layout_why[0] ? t->lay->layout_why :
			"no runtime layout");
		goto fail;
	}
	if (gs_sym_open(&t->sym, &t->e, err) < 0)
		goto fail;
	t->minor = gs_go_minor(t->lay->version);
	if (!t->minor) {
		t->minor = infer_minor(t);
		t->minor_inferred = true;
	}
	t->quantum = t->e.machine == EM_AARCH64 ? 4 : 1;
	if (gs_gview_init(&t->view, &t->lay->off, t->minor, t->e.machine, err) < 0)
		goto fail;
	if (!t->lay->allglen || (!t->lay->allgptr && !t->lay->allgs)) {
		const struct gs_rtg_addr *a = &t->lay->glob.g[GS_RTG_ALLGLEN];

		gs_errf(err, ENOENT, "where the goroutines are is unknown (%s)",
			a->how[0] ? a->how : "runtime.allglen and runtime.allgs not found");
		goto fail;
	}
	if (gs_live_attach(&lv, pid, t->lay, err) < 0)
		goto fail;
	t->bias = lv.bias;
	t->allg.allglen = t->lay->allglen + t->bias;
	if (t->lay->allgptr) {
		t->allg.allgptr = t->lay->allgptr + t->bias;
		t->allg_how = "allgptr";
	} else {
		t->allg.allgs = t->lay->allgs + t->bias;
		t->allg_how = "allgs";
	}
	*out = t;
	return 0;
fail:
	gs_gtarget_close(t);
	return -1;
}

void gs_gtarget_close(struct gs_gtarget *t)
{
	if (!t)
		return;
	if (t->sym)
		gs_sym_close(t->sym);
	if (t->map)
		gs_unmap(t->map, t->size);
	free(t->lay);
	free(t);
}

struct gs_dump_src gs_gtarget_src(const struct gs_gtarget *t, pid_t *pid)
{
	*pid = t->pid;
	return (struct gs_dump_src){
		.mem = gs_rmem_pid(pid),
		.sym = t->sym,
		.view = &t->view,
		.allg = t->allg,
		.bias = t->bias,
	};
}

/* The monotonic offset of a time namespace, in ns (0 when none or unreadable). */
static int64_t timens_off(const char *path)
{
	char line[128];
	int64_t off = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	/* "monotonic <secs> <nanosecs>" (and a "boottime" line) */
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		long long s, ns;

		if (strncmp(line, "monotonic ", 10) != 0)
			continue;
		errno = 0;
		s = strtoll(line + 10, &end, 10);
		if (errno || end == line + 10 || *end != ' ')
			continue;
		p = end + 1;
		ns = strtoll(p, &end, 10);
		if (errno || end == p || (*end != '\n' && *end != '\0'))
			continue;
		if (s > -(1LL << 40) && s < (1LL << 40) && ns >= 0 && ns < 1000000000LL)
			off = (int64_t)s * 1000000000LL + ns;
	}
	fclose(f);
	return off;
}

int64_t gs_target_nanotime(pid_t pid)
{
	struct timespec ts;
	char path[64];
	int64_t now;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	snprintf(path, sizeof(path), "%s/%d/timens_offsets", gs_proc_root(), pid);
	now += timens_off(path);
	snprintf(path, sizeof(path), "%s/self/timens_offsets", gs_proc_root());
	now -= timens_off(path);
	return now;
}
