/* SPDX-License-Identifier: MIT */
/*
 * flipdump SECONDS: flip this process's dumpable flag every few hundred
 * microseconds for SECONDS. While it is clear, /proc/PID/{exe,environ,...}
 * belong to root, so a scanner running as the same user finds the entry
 * readable at one moment and refused the next: the "unreadable mid-scan"
 * case of the fault tests.
 */
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 10);

	while (time(NULL) < end) {
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		usleep(300);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		usleep(300);
	}
	return 0;
}
