/* SPDX-License-Identifier: MIT */
/*
 * The floor for a process list: what any /proc scanner must do at least —
 * read /proc/PID/stat and stat /proc/PID/exe for every process.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	unsigned long n = 0, exe = 0;
	char path[64], buf[1024];

	if (!d)
		return 1;
	while ((de = readdir(d))) {
		struct stat st;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf)) > 0)
			n++;
		close(fd);
		snprintf(path, sizeof(path), "/proc/%s/exe", de->d_name);
		if (stat(path, &st) == 0)
			exe++;
	}
	closedir(d);
	printf("%lu %lu\n", n, exe);
	return 0;
}
