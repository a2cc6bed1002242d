// SPDX-License-Identifier: GPL-2.0
/*
 * The C baseline of the micro-benchmark: the same operation mixes the
 * harness drives through Deno FFI (bench/mixes.ts), as plain syscalls.
 * Built static on the host (gcc -O2 -static) so the guest runs it from the
 * read-only host share without a loader.
 *
 *   baseline MIX SECONDS WARMUP REPEAT BATCH
 *
 * runs MIX for WARMUP seconds untimed, then for SECONDS timed, reading the
 * clock every BATCH ops (bench/mixes.ts gives each mix's batch), and
 * prints one JSON line:
 * {"mix":…,"side":"c","repeat":…,"ops":…,"seconds":…,"errors":…,"unexpected":[…]}
 * Exit 2 on bad arguments, 1 when the set-up fails (the device, tracefs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* The RFC's definitions, as in kmod/udiag.c. */
#define DIAG_IOC_MAGIC '*'
#define DIAG_IOCSREG _IOW(DIAG_IOC_MAGIC, 0, char *)
#define DIAG_IOCSDEL _IOW(DIAG_IOC_MAGIC, 1, char *)

#define DEVICE "/dev/udiag"
#define EVENTS "/sys/kernel/tracing/events/udiag"
#define NAME_RD "bench_c_rd"
#define NAME_W "bench_c_w"
#define NAME_EB "bench_c_eb"

/* Unexpected results kept for the report, as the FFI side keeps them. */
#define MAX_UNEXPECTED 3

/* What the timed loop counts; owned by main(), filled by timed(). */
struct tally {
	long ops;
	long errors;
	char unexpected[MAX_UNEXPECTED][64];
};

/* State of the mixes, set up by main() before the loop; ops only read it. */
static int ctl_fd;
static int w_fd;
static const char *w_buf;
static size_t w_size;
static volatile const unsigned char *eb_page;
static int eb_index;

/* What the last failing op saw, for its description. */
static const char *bad_what;
static long bad_ret;
static int bad_errno;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_dev(void)
{
	int fd = open(DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "baseline: cannot open \"%s\": %s\n", DEVICE,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static int set_enabled(const char *name, int on)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), EVENTS "/%s/enable", name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, on ? "1" : "0", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

static int bad(const char *what, long ret)
{
	bad_what = what;
	bad_ret = ret;
	bad_errno = ret < 0 ? errno : 0;
	return 0;
}

/* One register/delete pair: open+REG on a fresh fd, close, DEL. */
static int op_reg_del(void)
{
	int fd = open(DEVICE, O_RDWR | O_CLOEXEC);
	int idx, del;

	if (fd < 0)
		return bad("open", fd);
	idx = ioctl(fd, DIAG_IOCSREG, NAME_RD);
	if (idx < 1) {
		bad("register", idx);
		close(fd);
		return 0;
	}
	close(fd);
	del = ioctl(ctl_fd, DIAG_IOCSDEL, NAME_RD);
	return del == 0 ? 1 : bad("delete", del);
}

static int op_write(void)
{
	ssize_t n = write(w_fd, w_buf, w_size);

	/* A zero-length write is EFAULT (RFC). */
	if (w_size == 0 ? n < 0 && errno == EFAULT : n == (ssize_t)w_size)
		return 1;
	return bad("write", n);
}

static int op_enable_byte(void)
{
	unsigned char b = eb_page[eb_index];

	return b == 0 ? 1 : bad("enable byte", b);
}

/* Runs batches of `batch` ops until `seconds` passed; returns the elapsed time. */
static double timed(int (*op)(void), int batch, double seconds,
		    struct tally *t)
{
	double t0 = now(), t1;

	memset(t, 0, sizeof(*t));
	do {
		for (int i = 0; i < batch; i++) {
			if (op())
				continue;
			if (t->errors < MAX_UNEXPECTED)
				snprintf(t->unexpected[t->errors], 64,
					 "%s: ret %ld errno %d", bad_what,
					 bad_ret, bad_errno);
			t->errors++;
		}
		t->ops += batch;
		t1 = now();
	} while (t1 - t0 < seconds);
	return t1 - t0;
}

/*
 * write<size>_<on|off>[_<layer>]: a layer suffix (bench/mixes.ts) says how the
 * Deno side drives the same write, so the C side reads past it, but for
 * _threads: the C side then writes with a second thread alive (*threads).
 */
static int parse_write_mix(const char *mix, unsigned int *size, int *enabled,
			   int *threads)
{
	char onoff[4];
	int end = 0;

	if (sscanf(mix, "write%u_%3[onf]%n", size, onoff, &end) != 2 ||
	    *size > 4096)
		return -1;
	if (strcmp(onoff, "on") != 0 && strcmp(onoff, "off") != 0)
		return -1;
	*enabled = strcmp(onoff, "on") == 0;
	*threads = strcmp(mix + end, "_threads") == 0;
	return 0;
}

/* The second thread of a _threads mix: it only has to exist. */
static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	static char payload[4096];
	int (*op)(void);
	const char *mix, *event = NULL;
	double seconds, warmup, elapsed;
	int repeat, batch, enabled = 0, threads = 0;
	pthread_t idle;
	unsigned int size = 0;
	struct tally t;

	if (argc != 6 || atoi(argv[5]) < 1) {
		fprintf(stderr,
			"usage: baseline MIX SECONDS WARMUP REPEAT BATCH\n");
		return 2;
	}
	mix = argv[1];
	seconds = atof(argv[2]);
	warmup = atof(argv[3]);
	repeat = atoi(argv[4]);
	batch = atoi(argv[5]);
	memset(payload, 'a', sizeof(payload));
	/* enable_byte_{array,view} differ from enable_byte on the Deno side only. */
	if (strcmp(mix, "reg_del") != 0 && strcmp(mix, "enable_byte") != 0 &&
	    strcmp(mix, "enable_byte_array") != 0 &&
	    strcmp(mix, "enable_byte_view") != 0 &&
	    parse_write_mix(mix, &size, &enabled, &threads) < 0) {
		fprintf(stderr, "baseline: unknown mix \"%s\"\n", mix);
		return 2;
	}
	ctl_fd = open_dev();

	if (strcmp(mix, "reg_del") == 0) {
		op = op_reg_del;
	} else if (strncmp(mix, "enable_byte", 11) == 0) {
		w_fd = open_dev();
		eb_index = ioctl(w_fd, DIAG_IOCSREG, NAME_EB);
		eb_page = mmap(NULL, getpagesize(), PROT_READ, MAP_SHARED,
			       w_fd, 0);
		if (eb_index < 1 || eb_page == MAP_FAILED) {
			fprintf(stderr, "baseline: cannot register and map: %s\n",
				strerror(errno));
			return 1;
		}
		event = NAME_EB;
		op = op_enable_byte;
	} else {
		w_fd = open_dev();
		if (ioctl(w_fd, DIAG_IOCSREG, NAME_W) < 1) {
			fprintf(stderr, "baseline: cannot register: %s\n",
				strerror(errno));
			return 1;
		}
		event = NAME_W;
		if (enabled && set_enabled(NAME_W, 1) < 0) {
			fprintf(stderr, "baseline: cannot enable %s: %s\n",
				NAME_W, strerror(errno));
			return 1;
		}
		w_buf = payload;
		w_size = size;
		op = op_write;
	}
	/*
	 * With a second thread the fd table is shared, and the kernel takes and
	 * drops a file reference on every call (fdget()): what every Deno
	 * process pays, as V8 and tokio run threads of their own.
	 */
	if (threads && pthread_create(&idle, NULL, idle_thread, NULL) != 0) {
		fprintf(stderr, "baseline: cannot start a thread\n");
		return 1;
	}

	if (warmup > 0)
		timed(op, batch, warmup, &t);
	elapsed = timed(op, batch, seconds, &t);

	if (enabled)
		set_enabled(event, 0);
	if (eb_page)
		munmap((void *)eb_page, getpagesize());
	if (event) {
		close(w_fd);
		ioctl(ctl_fd, DIAG_IOCSDEL, event);
	}
	close(ctl_fd);
	printf("{\"mix\":\"%s\",\"side\":\"c\",\"repeat\":%d,", mix, repeat);
	printf("\"ops\":%ld,\"seconds\":%.6f,\"errors\":%ld,\"unexpected\":[",
	       t.ops, elapsed, t.errors);
	for (long i = 0; i < t.errors && i < MAX_UNEXPECTED; i++)
		printf("%s\"%s\"", i ? "," : "", t.unexpected[i]);
	printf("]}\n");
	return 0;
}
