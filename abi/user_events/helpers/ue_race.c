// SPDX-License-Identifier: GPL-2.0
/*
 * ue_race: one racing process of the user_events race campaign
 * (abi/user_events/fuzz/race.ts). THREADS threads share this process's mm and
 * hammer two event names with every path that looks an event up, takes or
 * drops a reference, or deletes it: DIAG_IOCSREG, DIAG_IOCSUNREG, DIAG_IOCSDEL,
 * `u:`/`!u:` lines in dynamic_events, tracefs enable, writes, close, and fork
 * (the child copies the enablers, may unregister one, and exits) while the
 * other threads go on. Several such processes race each other.
 *
 *   ue_race SEED MS THREADS
 *
 * Each answer is checked against the errnos the ABI allows while others race
 * (NOTES.md); what is outside them is a violation. Prints one JSON line:
 * {"ops":N,"violations":[{"op":"...","got":"EINVAL"}]}. The campaign judges
 * what the round left behind and the kernel's console; this program only
 * judges answers. A C program: a Deno process cannot fork, and under TCG a
 * Deno start-up costs seconds a round cannot spare.
 *
 * UE_RACE_DRY=1 makes every user_events call succeed without the kernel, so
 * the thread and JSON machinery is tested on a host (build_test.ts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ue_uapi.h"

#define TRACING "/sys/kernel/tracing"
#define DYN_PATH TRACING "/dynamic_events"

#define MAX_THREADS 8
#define FDS 4
#define WORDS 4
#define MAX_VIOLATIONS 20

/* The names every process fights over; race.ts deletes them after a round. */
static const char *const names[] = { "race0", "race1" };
/* Formats: the usual one, and another that must be refused while the first lives. */
static const char *const fields[] = { "u32 a", "u64 b" };

static int dry;
static long deadline_ms;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long total_ops;
static int nviolations;
static struct {
	char op[128];
	char got[40];
} violations[MAX_VIOLATIONS];

/* The errnos an operation may answer while other threads and processes race it. */
enum op {
	OP_REG, OP_UNREG, OP_DEL, OP_DYN_ADD, OP_DYN_DEL, OP_WRITE, OP_ENABLE, OP_CLOSE,
	OP_FORK, OP_N
};

static const char *const op_names[OP_N] = {
	"register", "unregister", "delete", "dyn_create", "dyn_delete", "write", "enable",
	"close", "fork",
};

static const int allowed[OP_N][6] = {
	/* EADDRINUSE: addr+bit taken, or the name lives with other fields; EMFILE: the max. */
	[OP_REG] = { EADDRINUSE, EMFILE, 0 },
	/* ENOENT: nothing registered there (any more). */
	[OP_UNREG] = { ENOENT, 0 },
	/* EBUSY: referenced; ENOENT: someone deleted it first. */
	[OP_DEL] = { EBUSY, ENOENT, 0 },
	[OP_DYN_ADD] = { EADDRINUSE, EBUSY, EMFILE, 0 },
	[OP_DYN_DEL] = { EBUSY, ENOENT, 0 },
	/*
	 * EBADF: not enabled; ENOENT: no such index on this fd. EINVAL only for
	 * a payload shorter than the event's fields: ours fits either format.
	 */
	[OP_WRITE] = { EBADF, ENOENT, 0 },
	/* The event may go between the path lookup and the write. */
	[OP_ENABLE] = { ENOENT, ENODEV, EBUSY, 0 },
	[OP_CLOSE] = { 0 },
	[OP_FORK] = { EAGAIN, 0 },
};

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* xorshift64*: a thread's choices follow its seed. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static unsigned int pick(uint64_t *s, unsigned int n)
{
	return (unsigned int)((next(s) >> 33) % n);
}

/* Records that `op(what)` answered `got`; the strings hold no quote or backslash. */
static void violation(enum op op, const char *what, const char *got)
{
	pthread_mutex_lock(&out_lock);
	if (nviolations < MAX_VIOLATIONS) {
		snprintf(violations[nviolations].op, sizeof(violations[0].op), "%s(%s)",
			 op_names[op], what);
		snprintf(violations[nviolations].got, sizeof(violations[0].got), "%s", got);
		nviolations++;
	}
	pthread_mutex_unlock(&out_lock);
}

/* Checks a -errno answer of `op` against the allowed list. */
static void check(enum op op, const char *what, int ret)
{
	const int *a;
	const char *name;

	if (ret >= 0)
		return;
	name = strerrorname_np(-ret);
	for (a = allowed[op]; *a; a++)
		if (-ret == *a)
			return;
	violation(op, what, name ? name : "unknown errno");
}

static int sys(long ret)
{
	return ret < 0 ? -errno : (int)ret;
}

static int append(const char *path, const char *line)
{
	int fd, ret;

	if (dry)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		return -errno;
	ret = sys(write(fd, line, strlen(line)));
	close(fd);
	return ret;
}

struct thread {
	uint64_t seed;
	int fds[FDS];
	/* Each fd's last write index, -1 when none. */
	int index[FDS];
	/* This thread's enable words; 8-aligned, in this process's (shared) mm. */
	uint64_t words[WORDS];
	unsigned long ops;
};

static int reg(struct thread *t, int fd, int slot, const char *name_args, int bit, int size)
{
	struct user_reg r = {
		.size = sizeof(r),
		.enable_bit = bit,
		.enable_size = size,
		.enable_addr = (uint64_t)(uintptr_t)&t->words[pick(&t->seed, WORDS)],
		.name_args = (uint64_t)(uintptr_t)name_args,
	};
	int ret;

	if (dry)
		return 0;
	ret = sys(ioctl(fd, DIAG_IOCSREG, &r));
	if (ret == 0)
		t->index[slot] = r.write_index;
	return ret;
}

static int unreg(struct thread *t, int fd, int bit)
{
	struct user_unreg u = {
		.size = sizeof(u),
		.disable_bit = bit,
		.disable_addr = (uint64_t)(uintptr_t)&t->words[pick(&t->seed, WORDS)],
	};

	return dry ? 0 : sys(ioctl(fd, DIAG_IOCSUNREG, &u));
}

static void one_op(struct thread *t)
{
	const char *name = names[pick(&t->seed, 2)];
	int slot = pick(&t->seed, FDS), fd = t->fds[slot], roll = pick(&t->seed, 100);
	char what[128], line[80];
	int ret;

	if (fd < 0) {
		t->fds[slot] = dry ? 100 + slot : open(DATA_PATH, O_RDWR);
		t->index[slot] = -1;
		return;
	}
	if (roll < 22) {
		/* Mostly the usual fields; sometimes the other format, which must be refused. */
		const char *f = fields[pick(&t->seed, 8) == 0];
		int bit = pick(&t->seed, 8), size = pick(&t->seed, 4) ? 4 : 8;

		snprintf(line, sizeof(line), "%s %s", name, f);
		snprintf(what, sizeof(what), "%s, bit %d, size %d", line, bit, size);
		check(OP_REG, what, reg(t, fd, slot, line, bit, size));
	} else if (roll < 36) {
		int bit = pick(&t->seed, 8);

		snprintf(what, sizeof(what), "bit %d", bit);
		check(OP_UNREG, what, unreg(t, fd, bit));
	} else if (roll < 50) {
		check(OP_DEL, name, dry ? 0 : sys(ioctl(fd, DIAG_IOCSDEL, name)));
	} else if (roll < 58) {
		snprintf(line, sizeof(line), "u:%s %s\n", name, fields[0]);
		check(OP_DYN_ADD, name, append(DYN_PATH, line));
	} else if (roll < 70) {
		snprintf(line, sizeof(line), "!u:%s\n", name);
		check(OP_DYN_DEL, name, append(DYN_PATH, line));
	} else if (roll < 80) {
		/* The index, then 8 bytes: enough for either format (u32 a, u64 b). */
		uint32_t payload[3] = { (uint32_t)t->index[slot], 0x5a5a5a5a, 0x5a5a5a5a };
		struct iovec io = { payload, sizeof(payload) };

		if (t->index[slot] < 0)
			return;
		snprintf(what, sizeof(what), "index %d", t->index[slot]);
		ret = dry ? (int)sizeof(payload) : sys(writev(fd, &io, 1));
		if (ret >= 0 && ret != (int)sizeof(payload)) {
			char got[40];

			snprintf(got, sizeof(got), "%d of %zu bytes", ret, sizeof(payload));
			violation(OP_WRITE, what, got);
		}
		check(OP_WRITE, what, ret);
	} else if (roll < 88) {
		snprintf(line, sizeof(line), TRACING "/events/user_events/%s/enable", name);
		ret = dry ? 0 : open(line, O_WRONLY);
		if (ret < 0) {
			check(OP_ENABLE, name, -errno);
			return;
		}
		if (!dry) {
			int w = sys(write(ret, pick(&t->seed, 2) ? "1" : "0", 1));

			close(ret);
			check(OP_ENABLE, name, w < 0 ? w : 0);
		}
	} else if (roll < 96) {
		check(OP_CLOSE, "", dry ? 0 : sys(close(fd)));
		t->fds[slot] = -1;
		t->index[slot] = -1;
	} else {
		/* The child has a copy of every enabler; it drops one and exits. */
		pid_t pid = dry ? 0 : fork();

		if (pid == 0 && !dry) {
			unreg(t, fd, pick(&t->seed, 8));
			_exit(0);
		}
		if (pid < 0) {
			check(OP_FORK, "", -errno);
			return;
		}
		if (!dry)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
}

static void *run(void *arg)
{
	struct thread *t = arg;
	int i;

	for (i = 0; i < FDS; i++) {
		t->fds[i] = -1;
		t->index[i] = -1;
	}
	while (now_ms() < deadline_ms) {
		one_op(t);
		t->ops++;
		pthread_mutex_lock(&out_lock);
		if (nviolations >= MAX_VIOLATIONS) {
			pthread_mutex_unlock(&out_lock);
			break;
		}
		pthread_mutex_unlock(&out_lock);
	}
	for (i = 0; i < FDS; i++)
		if (t->fds[i] >= 0 && !dry)
			close(t->fds[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct thread threads[MAX_THREADS];
	pthread_t ids[MAX_THREADS];
	int n, i;

	if (argc != 4 || atoi(argv[3]) < 1 || atoi(argv[3]) > MAX_THREADS) {
		fprintf(stderr, "usage: ue_race SEED MS THREADS (1-%d)\n", MAX_THREADS);
		return 2;
	}
	dry = getenv("UE_RACE_DRY") != NULL;
	deadline_ms = now_ms() + atol(argv[2]);
	n = atoi(argv[3]);
	for (i = 0; i < n; i++) {
		/* Never 0: xorshift would stay at 0. */
		threads[i].seed = (strtoull(argv[1], NULL, 0) + 1) * 0x9E3779B97F4A7C15ULL + i;
		if (pthread_create(&ids[i], NULL, run, &threads[i])) {
			fprintf(stderr, "pthread_create failed\n");
			return 3;
		}
	}
	for (i = 0; i < n; i++) {
		pthread_join(ids[i], NULL);
		total_ops += threads[i].ops;
	}
	printf("{\"ops\":%lu,\"violations\":[", total_ops);
	for (i = 0; i < nviolations; i++)
		printf("%s{\"op\":\"%s\",\"got\":\"%s\"}", i ? "," : "", violations[i].op,
		       violations[i].got);
	printf("]}\n");
	return 0;
}
