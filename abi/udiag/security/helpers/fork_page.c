// SPDX-License-Identifier: GPL-2.0
/*
 * fork_page: maps the udiag enable page read-only, forks, and lets the child
 * try to make its inherited mapping writable and write through it. A Deno
 * process cannot fork (its child dies before the first FFI call returns), so
 * this one move of the security suite is in C. Prints "key ret errno" lines.
 *
 * When $UDIAG_CTRACE names a folder, each process also records its calls
 * there as harness/ctrace/record.ts does (<pid>.jsonl, trace.ts's format),
 * so that deno task repro-c can write SEC-PG-004 as a C program. The calls
 * are raw syscall()s, so the numbers recorded are the ones made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAGE 65536
/* The trace's fd sits above the device's, which keeps the number it has unrecorded. */
#define TRACE_FD_MIN 100

static const char FINDING[] = "SEC-PG-004";
/*
 * What the judges call the two moves, as a reproducer prints them: short,
 * as the program's lines nest deep and keep to 100 columns.
 */
static const char CHILD_MPROTECT[] = "forked child: mprotect(PROT_READ|PROT_WRITE)";
static const char PARENT_BYTES[] = "bytes of the page that changed for the parent";

/* This process's trace; NULL when it does not record. */
static FILE *trace;

static void say(const char *key, long ret, int err)
{
	printf("%s %ld %d\n", key, ret, ret < 0 ? err : 0);
	fflush(stdout);
}

/* CLOCK_MONOTONIC in ns: the clock every process of the replay records. */
static unsigned long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void put_hex(const void *p, long len)
{
	const unsigned char *b = p;
	long i;

	for (i = 0; i < len; i++)
		fprintf(trace, "%02x", b[i]);
}

static void ev_start(const char *ev, unsigned long long t)
{
	fprintf(trace, "{\"ev\":\"%s\",\"t\":\"%llu\"", ev, t);
}

/* Each line is flushed at once, so a fork copies no half-written one. */
static void ev_end(void)
{
	fputs("}\n", trace);
	fflush(trace);
}

/* Opens <dir>/<pid>.jsonl and records the proc event; parent: 0, or who forked us. */
static void trace_open(const char *role, pid_t parent)
{
	const char *dir = getenv("UDIAG_CTRACE");
	char path[4096];
	int fd, high;

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/%d.jsonl", dir, getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	high = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, TRACE_FD_MIN);
	if (fd >= 0)
		close(fd);
	trace = high < 0 ? NULL : fdopen(high, "a");
	if (!trace) {
		perror("fork_page: no trace");
		return;
	}
	ev_start("proc", now());
	fprintf(trace, ",\"pid\":%d,\"uid\":%u,\"gid\":%u,\"role\":\"%s\"",
		getpid(), getuid(), getgid(), role);
	if (parent)
		fprintf(trace, ",\"parent\":%d", parent);
	ev_end();
}

/*
 * Records a call made at t: kinds has a letter per argument, each a long:
 * i an integer, p an address, s a string the kernel reads (with its NUL).
 */
static void rec_call(unsigned long long t, const char *name, long nr, long ret,
		     const char *kinds, ...)
{
	const char *k;
	va_list ap;

	if (!trace)
		return;
	ev_start("call", t);
	fprintf(trace, ",\"name\":\"%s\",\"nr\":%ld,\"args\":[", name, nr);
	va_start(ap, kinds);
	for (k = kinds; *k; k++) {
		long v = va_arg(ap, long);

		if (k != kinds)
			fputc(',', trace);
		if (*k == 'i') {
			fprintf(trace, "{\"i\":\"%ld\"}", v);
		} else if (*k == 'p') {
			fprintf(trace, "{\"p\":\"0x%lx\"}", v);
		} else {
			fputs("{\"buf\":\"", trace);
			put_hex((const char *)v, strlen((const char *)v) + 1);
			fprintf(trace, "\",\"addr\":\"0x%lx\"}", v);
		}
	}
	va_end(ap);
	fprintf(trace, "],\"ret\":\"%ld\"", ret);
	ev_end();
}

/* Records a read ("peek") or store ("poke") of mapped memory at p. */
static void rec_mem(const char *ev, const void *p, const void *bytes, long len)
{
	if (!trace)
		return;
	ev_start(ev, now());
	fprintf(trace, ",\"addr\":\"0x%lx\",\"bytes\":\"", (unsigned long)p);
	put_hex(bytes, len);
	fputc('"', trace);
	ev_end();
}

/*
 * Records the check's verdict on the event just recorded, only when it
 * exposes: the call had to fail (want NULL), or the bytes had to be want.
 */
static void rec_judge(const char *what, const void *want, long len)
{
	if (!trace)
		return;
	ev_start("judge", now());
	fprintf(trace, ",\"finding\":\"%s\",\"what\":\"%s\",\"expect\":", FINDING, what);
	if (want) {
		fputs("{\"equals\":\"", trace);
		put_hex(want, len);
		fputs("\"}", trace);
	} else {
		fputs("{\"fails\":true}", trace);
	}
	ev_end();
}

/* The value, or -errno, as a trace records a result. */
static long answer(long r, int err)
{
	return r == -1 ? -err : r;
}

/* The forked child: its own trace, then mprotect and a store through p. */
static void child(unsigned char *p, long pg, const char *role, pid_t parent)
{
	unsigned char v = 0x5a;
	long r;
	int err;

	if (trace)
		fclose(trace);
	trace = NULL;
	/* One root per trace: a root's child is an actor. */
	trace_open(strcmp(role, "root") ? role : "actor", parent);
	r = syscall(SYS_mprotect, p, pg, PROT_READ | PROT_WRITE);
	err = errno;
	rec_call(now(), "mprotect", SYS_mprotect, answer(r, err), "pii",
		 (long)p, pg, (long)(PROT_READ | PROT_WRITE));
	if (r == 0)
		rec_judge(CHILD_MPROTECT, NULL, 0);
	say("child_mprotect_rw", r, err);
	if (r == 0) {
		/* Index 0 is reserved: no event's flag is touched. */
		p[0] = v;
		rec_mem("poke", p, &v, 1);
		say("child_wrote", 0, 0);
	}
	_exit(0);
}

static const char *role_of(const char *env)
{
	if (env && (!strcmp(env, "root") || !strcmp(env, "worker")))
		return env;
	return "actor";
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/udiag";
	const char *role = role_of(getenv("UDIAG_CTRACE_ROLE"));
	static unsigned char before[MAX_PAGE], after[MAX_PAGE];
	long pg = sysconf(_SC_PAGESIZE);
	unsigned long long t;
	unsigned char *p;
	long fd, pid;
	int err, status, changed = 0;

	if (pg > MAX_PAGE)
		return 1;
	trace_open(role, 0);
	fd = syscall(SYS_open, dev, O_RDWR, 0);
	err = errno;
	rec_call(now(), "open", SYS_open, answer(fd, err), "sii", (long)dev,
		 (long)O_RDWR, 0L);
	say("open", fd, err);
	if (fd < 0)
		return 1;
	p = (unsigned char *)syscall(SYS_mmap, NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	err = errno;
	rec_call(now(), "mmap", SYS_mmap, answer((long)p, err), "piiiii", 0L, pg,
		 (long)PROT_READ, (long)MAP_SHARED, fd, 0L);
	say("mmap_ro", p == MAP_FAILED ? -1 : 0, err);
	if (p == MAP_FAILED)
		return 1;
	memcpy(before, p, pg);
	rec_mem("peek", p, before, pg);
	/* Timed before it runs: every event of the child sorts after the fork. */
	t = now();
	pid = syscall(SYS_fork);
	if (pid == 0)
		child(p, pg, role, getppid());
	err = errno;
	rec_call(t, "fork", SYS_fork, answer(pid, err), "");
	waitpid(pid, &status, 0);
	say("child_signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0, 0);
	memcpy(after, p, pg);
	rec_mem("peek", p, after, pg);
	for (long i = 0; i < pg; i++)
		changed += after[i] != before[i];
	if (changed)
		rec_judge(PARENT_BYTES, before, pg);
	say("parent_bytes_changed", changed, 0);
	/* Put the page back for the checks after this one (unrecorded: no part of the finding). */
	if (changed && mprotect(p, pg, PROT_READ | PROT_WRITE) == 0)
		memcpy(p, before, pg);
	return 0;
}
