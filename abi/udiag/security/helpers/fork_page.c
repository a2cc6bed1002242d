// SPDX-License-Identifier: GPL-2.0
/*
 * fork_page: maps the udiag enable page read-only, forks, and lets the child
 * try to make its inherited mapping writable and write through it. A Deno
 * process cannot fork (its child dies before the first FFI call returns), so
 * this one move of the security suite is in C. Prints "key ret errno" lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *key, long ret, int err)
{
	printf("%s %ld %d\n", key, ret, ret < 0 ? err : 0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/udiag";
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char before[65536];
	unsigned char *p;
	int fd, status, changed = 0;
	pid_t pid;

	fd = open(dev, O_RDWR);
	say("open", fd, errno);
	if (fd < 0)
		return 1;
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	say("mmap_ro", p == MAP_FAILED ? -1 : 0, errno);
	if (p == MAP_FAILED)
		return 1;
	memcpy(before, p, pg);
	pid = fork();
	if (pid == 0) {
		int r = mprotect(p, pg, PROT_READ | PROT_WRITE);

		say("child_mprotect_rw", r, errno);
		if (r == 0) {
			/* Index 0 is reserved: no event's flag is touched. */
			p[0] = 0x5a;
			say("child_wrote", 0, 0);
		}
		_exit(0);
	}
	waitpid(pid, &status, 0);
	say("child_signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0, 0);
	for (long i = 0; i < pg; i++)
		changed += p[i] != before[i];
	say("parent_bytes_changed", changed, 0);
	/* Put the page back for the checks after this one. */
	if (changed && mprotect(p, pg, PROT_READ | PROT_WRITE) == 0)
		memcpy(p, before, pg);
	return 0;
}
