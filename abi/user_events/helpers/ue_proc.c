// SPDX-License-Identifier: GPL-2.0
/*
 * ue_proc: registers a user_events event at an enable word in its own memory,
 * then forks, clones (CLONE_VM), execs itself or just waits to exit, so the
 * conformance rules (abi/user_events/conformance/proc_rules.ts) can watch the
 * enable word of each process while they turn tracing on and off in tracefs.
 *
 *   ue_proc fork|clone|exec|exit NAME_ARGS [FLAGS]
 *
 * The rule drives it: one command per line on stdin, one JSON line per
 * observation on stdout. Only the first process prints; a fork or clone child
 * answers the parent over a pair of pipes. Every wait has a timeout (a command
 * 15 s, a child's answer 5 s) and alarm(60) ends any process that is still
 * alive, so a broken kernel cannot hang the rule.
 *
 * Commands: read, set HEX, unreg, unreg-child, reg, exit-child, exec, exit.
 *
 * The word lives at a fixed address (WORD_ADDR) so that after exec the new
 * image (argv[0] again: run it by absolute path) maps its own word at the
 * same address. A C program because a Deno
 * process cannot fork (abi/udiag/security/helpers.ts).
 *
 * UE_PROC_DRY=1 skips every user_events call (answers ret 0) so the process
 * and pipe machinery is tested on a host without user_events (build_test.ts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ue_uapi.h"

#define WORD_ADDR 0x5e0000000UL
#define ENABLE_BIT 0
#define CMD_TIMEOUT_MS 15000
#define CHILD_TIMEOUT_MS 5000
#define LIFETIME_S 60

/* The enable word and, 64 bytes on, a byte written to break copy-on-write. */
static volatile uint32_t *word;
static volatile uint8_t *touch;
static int data_fd = -1;
static const char *name_args;
static int dry;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static pid_t child = -1;

/* Kills the fork or clone child, if any, and reaps it: nothing outlives the helper. */
static void reap_child(void)
{
	if (child <= 0)
		return;
	kill(child, SIGKILL);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	child = -1;
}

static void die(const char *what)
{
	int e = errno;

	reap_child();
	out("{\"obs\":\"error\",\"what\":\"%s\",\"errno\":%d}", what, e);
	exit(3);
}

static void map_word(void)
{
	void *p = mmap((void *)WORD_ADDR, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)WORD_ADDR)
		die("mmap of the word page at WORD_ADDR");
	word = (volatile uint32_t *)p;
	touch = (volatile uint8_t *)p + 64;
}

/* DIAG_IOCSREG of (WORD_ADDR, bit 0, size 4); -errno on failure. */
static int reg(unsigned int flags)
{
	struct user_reg r = {
		.size = sizeof(r),
		.enable_bit = ENABLE_BIT,
		.enable_size = 4,
		.flags = flags,
		.enable_addr = WORD_ADDR,
		.name_args = (uint64_t)(uintptr_t)name_args,
	};

	if (dry)
		return 0;
	return ioctl(data_fd, DIAG_IOCSREG, &r) < 0 ? -errno : 0;
}

/* DIAG_IOCSUNREG of (WORD_ADDR, bit 0) for the calling task's mm; -errno on failure. */
static int unreg(void)
{
	struct user_unreg u = {
		.size = sizeof(u),
		.disable_bit = ENABLE_BIT,
		.disable_addr = WORD_ADDR,
	};

	if (dry)
		return 0;
	return ioctl(data_fd, DIAG_IOCSUNREG, &u) < 0 ? -errno : 0;
}

/* Waits up to ms for fd to be readable; 1 readable or hung up, 0 timeout. */
static int wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* The child's side: one byte in, an answer out; uses only syscalls (clone shares our TLS). */
static int to_child = -1, from_child = -1;

static int child_loop(int in, int fd_out)
{
	char c;
	int32_t ans[2];
	int null = open("/dev/null", O_RDWR);

	/* Never hold the rule's stdin/stdout pipes or the guest's output. */
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(2);
	if (null > 2)
		close(null);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(LIFETIME_S);
	*touch = 1;
	c = 'k';
	if (write(fd_out, &c, 1) != 1)
		_exit(2);
	for (;;) {
		if (!wait_readable(in, 20000) || read(in, &c, 1) != 1)
			_exit(2);
		switch (c) {
		case 'r':
			ans[0] = (int32_t)*word;
			ans[1] = 0;
			break;
		case 'u':
			ans[0] = unreg();
			ans[1] = 0;
			break;
		case 'x':
			_exit(0);
		default:
			_exit(2);
		}
		if (write(fd_out, ans, sizeof(ans)) != sizeof(ans))
			_exit(2);
	}
}

struct pipes {
	int in, out;
};

static int clone_fn(void *arg)
{
	struct pipes *p = arg;

	return child_loop(p->in, p->out);
}

/* Starts the child (fork or CLONE_VM) and waits for its "ready" byte. */
static void start_child(int use_clone)
{
	int down[2], up[2];
	static struct pipes cp;
	char c;

	if (pipe(down) || pipe(up))
		die("pipe");
	fflush(stdout);
	if (use_clone) {
		size_t sz = 64 * 1024;
		char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (stack == MAP_FAILED)
			die("mmap of the clone stack");
		cp.in = down[0];
		cp.out = up[1];
		child = clone(clone_fn, stack + sz, CLONE_VM | SIGCHLD, &cp);
	} else {
		child = fork();
		if (child == 0) {
			close(down[1]);
			close(up[0]);
			child_loop(down[0], up[1]);
		}
	}
	if (child < 0)
		die(use_clone ? "clone" : "fork");
	close(down[0]);
	close(up[1]);
	to_child = down[1];
	from_child = up[0];
	*touch = 1;
	if (!wait_readable(from_child, CHILD_TIMEOUT_MS) || read(from_child, &c, 1) != 1 || c != 'k')
		die("child not ready");
}

/* Sends a command byte to the child and reads its two-int answer; 0 on success. */
static int ask_child(char c, int32_t ans[2])
{
	if (child < 0)
		return -1;
	if (write(to_child, &c, 1) != 1)
		return -1;
	if (!wait_readable(from_child, CHILD_TIMEOUT_MS))
		return -1;
	return read(from_child, ans, 2 * sizeof(int32_t)) == 2 * sizeof(int32_t) ? 0 : -1;
}

static void cmd_read(void)
{
	int32_t ans[2];

	if (child < 0) {
		out("{\"obs\":\"read\",\"parent\":%u}", *word);
		return;
	}
	if (ask_child('r', ans))
		die("child did not answer read");
	out("{\"obs\":\"read\",\"parent\":%u,\"child\":%u}", *word, (uint32_t)ans[0]);
}

static void cmd_exit_child(void)
{
	char c = 'x';
	int status = -1, i;

	if (child < 0)
		die("no child");
	if (write(to_child, &c, 1) != 1)
		die("write to child");
	for (i = 0; i < CHILD_TIMEOUT_MS / 10; i++) {
		if (waitpid(child, &status, WNOHANG) == child)
			break;
		usleep(10000);
	}
	if (i == CHILD_TIMEOUT_MS / 10)
		die("child did not exit");
	child = -1;
	close(to_child);
	close(from_child);
	out("{\"obs\":\"child-exited\",\"status\":%d}", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void cmd_exec(const char *self)
{
	char fd[16];

	snprintf(fd, sizeof(fd), "%d", data_fd);
	fflush(stdout);
	execl(self, self, "exec-image", name_args, fd, (char *)NULL);
	die("execl");
}

/* Reads one command line; exits when none comes in CMD_TIMEOUT_MS or stdin ends. */
static int next_command(char *buf, size_t len)
{
	if (!wait_readable(0, CMD_TIMEOUT_MS)) {
		errno = ETIMEDOUT;
		die("no command");
	}
	if (!fgets(buf, len, stdin))
		return 0;
	buf[strcspn(buf, "\n")] = 0;
	return 1;
}

static void loop(const char *self, int may_exec)
{
	char cmd[64];
	int r;

	while (next_command(cmd, sizeof(cmd))) {
		if (!strcmp(cmd, "read")) {
			cmd_read();
		} else if (!strncmp(cmd, "set ", 4)) {
			*word = (uint32_t)strtoul(cmd + 4, NULL, 16);
			out("{\"obs\":\"set\",\"parent\":%u}", *word);
		} else if (!strcmp(cmd, "unreg")) {
			r = unreg();
			out("{\"obs\":\"unreg\",\"who\":\"parent\",\"ret\":%d}", r);
		} else if (!strcmp(cmd, "unreg-child")) {
			int32_t ans[2];

			if (ask_child('u', ans))
				die("child did not answer unreg");
			out("{\"obs\":\"unreg\",\"who\":\"child\",\"ret\":%d}", ans[0]);
		} else if (!strcmp(cmd, "reg")) {
			r = reg(0);
			out("{\"obs\":\"reg\",\"ret\":%d,\"word\":%u}", r, *word);
		} else if (!strcmp(cmd, "exit-child")) {
			cmd_exit_child();
		} else if (!strcmp(cmd, "exec") && may_exec) {
			cmd_exec(self);
		} else if (!strcmp(cmd, "exit")) {
			/* No unregister, no close: the kernel's exit path must drop them. */
			reap_child();
			out("{\"obs\":\"exiting\"}");
			_exit(0);
		} else {
			out("{\"obs\":\"error\",\"what\":\"unknown command %s\"}", cmd);
		}
	}
	reap_child();
	exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned int flags;
	int r;

	alarm(LIFETIME_S);
	/* Unbuffered, so poll() on fd 0 sees every command not yet read. */
	setvbuf(stdin, NULL, _IONBF, 0);
	dry = getenv("UE_PROC_DRY") && !strcmp(getenv("UE_PROC_DRY"), "1");
	if (argc < 3) {
		fprintf(stderr, "usage: %s fork|clone|exec|exit NAME_ARGS [FLAGS]\n", argv[0]);
		return 2;
	}
	name_args = argv[2];
	map_word();
	if (!strcmp(mode, "exec-image")) {
		/* The new image: its own word at the same address, a pattern with bit 0 clear. */
		data_fd = argc > 3 ? atoi(argv[3]) : -1;
		*word = 0x5a5a5a5a;
		out("{\"obs\":\"exec-ready\",\"pid\":%d,\"addr\":%lu,\"parent\":%u}", getpid(),
		    WORD_ADDR, *word);
		loop(argv[0], 0);
	}
	if (strcmp(mode, "fork") && strcmp(mode, "clone") && strcmp(mode, "exec") &&
	    strcmp(mode, "exit")) {
		fprintf(stderr, "%s: unknown mode %s\n", argv[0], mode);
		return 2;
	}
	flags = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 0) : 0;
	/* Not O_CLOEXEC: the exec'd image keeps the fd (and its per-fd event reference). */
	data_fd = open(dry ? "/dev/null" : DATA_PATH, O_RDWR);
	if (data_fd < 0)
		die("open user_events_data");
	*word = 0;
	r = reg(flags);
	out("{\"obs\":\"registered\",\"pid\":%d,\"mode\":\"%s\",\"ret\":%d,\"parent\":%u}", getpid(),
	    mode, r, *word);
	if (r)
		exit(3);
	if (!strcmp(mode, "fork") || !strcmp(mode, "clone")) {
		start_child(!strcmp(mode, "clone"));
		out("{\"obs\":\"ready\",\"child_pid\":%d}", child);
	}
	loop(argv[0], !strcmp(mode, "exec"));
	return 0;
}
