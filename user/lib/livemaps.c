/* SPDX-License-Identifier: MIT */
/* A live process's load bias, from /proc/PID/maps, and the attach (liveread.h). */
#include "liveread.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proc.h"

#define MAPS_MATCH_MAX	64

/* ---- the load bias ---- */

struct maps_line {
	uint64_t start, end, off, ino;
	unsigned major, minor;
};

/* A hex or decimal field ending at one of stops; advances *s. */
static bool field(const char **s, int base, const char *stops, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(*s, &end, base);
	if (errno || end == *s || !*end || !strchr(stops, *end))
		return false;
	*s = end + 1;
	return true;
}

/* "start-end perms offset major:minor inode [path]" */
static bool parse_maps_line(const char *s, struct maps_line *m)
{
	uint64_t major, minor;
	const char *sp;

	if (!field(&s, 16, "-", &m->start) || !field(&s, 16, " ", &m->end) || m->end <= m->start)
		return false;
	sp = strchr(s, ' ');	/* skip the permissions */
	if (!sp)
		return false;
	s = sp + 1;
	if (!field(&s, 16, " ", &m->off) || !field(&s, 16, ":", &major) ||
	    !field(&s, 16, " ", &minor) || !field(&s, 10, " \n", &m->ino))
		return false;
	if (major > 0xfff || minor > 0xfffff)
		return false;
	m->major = (unsigned)major;
	m->minor = (unsigned)minor;
	return true;
}

int gs_maps_bias(FILE *maps, dev_t dev, ino_t ino, const struct gs_phdr *loads, unsigned nloads,
		 uint16_t etype, uint64_t *bias, struct gs_err *err)
{
	struct maps_line by_dev[MAPS_MATCH_MAX], by_ino[MAPS_MATCH_MAX], *use;
	unsigned ndev = 0, nino = 0, nuse;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char line[4096 + 256];
	bool have = false;
	uint64_t b = 0;

	while (fgets(line, sizeof(line), maps)) {
		struct maps_line m;

		/* A line longer than the buffer: the rest is a path; skip it. */
		if (!strchr(line, '\n') && !feof(maps)) {
			int ch;

			while ((ch = fgetc(maps)) != EOF && ch != '\n')
				;
		}
		if (!parse_maps_line(line, &m) || m.ino != (uint64_t)ino)
			continue;
		if (makedev(m.major, m.minor) == dev && ndev < MAPS_MATCH_MAX)
			by_dev[ndev++] = m;
		if (nino < MAPS_MATCH_MAX)
			by_ino[nino++] = m;
	}
	if (ndev) {
		use = by_dev;
		nuse = ndev;
	} else {
		/* Overlay and FUSE file systems may show another device: accept an
		 * inode match if it names a single device. */
		for (unsigned i = 1; i < nino; i++)
			if (by_ino[i].major != by_ino[0].major || by_ino[i].minor != by_ino[0].minor)
				return gs_errf(err, ENOENT, "executable not found in maps (inode on several devices)");
		use = by_ino;
		nuse = nino;
	}
	if (!nuse)
		return gs_errf(err, ENOENT, "executable not mapped");
	for (unsigned i = 0; i < nuse; i++) {
		for (unsigned k = 0; k < nloads; k++) {
			uint64_t cand;

			if ((loads[k].off & ~(page - 1)) != use[i].off)
				continue;
			cand = use[i].start - (loads[k].vaddr & ~(page - 1));
			if (have && cand != b)
				return gs_errf(err, EINVAL, "mappings disagree on the load bias");
			b = cand;
			have = true;
			break;
		}
	}
	if (!have)
		return gs_errf(err, EINVAL, "no mapping matches a PT_LOAD");
	if (etype == ET_EXEC && b != 0)
		return gs_errf(err, EINVAL, "fixed-address executable mapped at a bias");
	*bias = b;
	return 0;
}

int gs_live_attach(struct gs_live *lv, int pid, const struct gs_rt_layout *lay,
		   struct gs_err *err)
{
	char path[64];
	FILE *f;
	int rc;

	memset(lv, 0, sizeof(*lv));
	lv->pid = pid;
	lv->lay = lay;
	snprintf(path, sizeof(path), "%s/%d/maps", gs_proc_root(), pid);
	f = fopen(path, "re");
	if (!f) {
		int code = errno == ENOENT ? ESRCH : errno;

		return gs_errf(err, code, "%s: %s", path, strerror(errno));
	}
	rc = gs_maps_bias(f, lay->dev, lay->ino, lay->loads, lay->nloads, lay->etype, &lv->bias,
			  err);
	fclose(f);
	return rc;
}

int gs_live_open_pid(struct gs_live *lv, int pid, struct gs_rt_layout **lay, struct gs_err *err)
{
	int fd = gs_proc_open_exe(pid, err);
	int rc = -1;

	*lay = NULL;
	if (fd < 0)
		return -1;
	*lay = malloc(sizeof(**lay));
	if (!*lay) {
		close(fd);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	if (gs_rt_layout_load(fd, *lay, err) == 0 && gs_live_attach(lv, pid, *lay, err) == 0)
		rc = 0;
	close(fd);
	if (rc < 0) {
		free(*lay);
		*lay = NULL;
	}
	return rc;
}
