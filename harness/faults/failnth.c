// SPDX-License-Identifier: GPL-2.0
/*
 * failnth: one system call with the calling thread's fail-nth armed, as
 * syzkaller's executor makes it (Documentation/fault-injection/
 * fault-injection.rst, "Fault injection via /proc/thread-self/fail-nth").
 *
 * Writing N to /proc/thread-self/fail-nth makes the N-th fault point the
 * thread reaches fail (a slab or page allocation, a user copy); reading it
 * gives 0 once the fault was injected. Arming, the call, the read-back and
 * the disarming happen in this one native call: from JS, V8 could fault a
 * page in between, and the armed count would fail V8's page fault instead of
 * the call under test.
 *
 * Built on the host as a shared library and loaded by harness/faults/failnth.ts.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The fail-nth file of this thread; opened by failnth_open(). */
static __thread int fail_fd = -1;

/* Opens `path` (/proc/thread-self/fail-nth) for this thread: 0, or -errno. */
long failnth_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fail_fd >= 0)
		close(fail_fd);
	fail_fd = fd;
	return 0;
}

static int put(const char *s)
{
	size_t n = strlen(s);

	return pwrite(fail_fd, s, n, 0) == (ssize_t)n ? 0 : -errno;
}

/*
 * Makes system call `nr` with fault `nth` armed. Returns its result or
 * -errno; out[0] is 1 when the fault was injected during the call, 0 when
 * the call reached fewer than `nth` fault points, or -errno when fail-nth
 * could not be armed (then the call was not made); out[1] is the count left
 * when the call returned (each fault point reached takes one), so that a
 * large `nth` counts the fault points a call reaches.
 */
long failnth_call(long nth, long nr, long a1, long a2, long a3, long a4, long a5,
		  long *out)
{
	long *injected = &out[0];
	long left = 0;
	ssize_t i;
	char buf[24];
	long ret;
	ssize_t n;
	int err;

	if (fail_fd < 0) {
		*injected = -EBADF;
		return -EBADF;
	}
	/* Decimal, by hand: snprintf is more code between arming and the call. */
	n = sizeof(buf) - 1;
	buf[n] = '\0';
	do {
		buf[--n] = (char)('0' + nth % 10);
		nth /= 10;
	} while (nth > 0 && n > 0);
	err = put(buf + n);
	if (err) {
		*injected = err;
		return err;
	}
	ret = syscall(nr, a1, a2, a3, a4, a5);
	if (ret < 0)
		ret = -errno;
	n = pread(fail_fd, buf, sizeof(buf) - 1, 0);
	*injected = n >= 1 && buf[0] == '0' && (n == 1 || buf[1] == '\n');
	for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		left = left * 10 + (buf[i] - '0');
	out[1] = left;
	/* Disarm: a count not reached must not fail what the thread does next. */
	put("0");
	return ret;
}
