/**
 * The C side of a `payloads` judge (trace.ts), put into a reproducer by
 * emit_c.ts only when it renders one: reads one event's records from ftrace's
 * per-CPU trace_pipe_raw or a perf mmap ring and decodes them with only the
 * event's format file, as harness/trace/{ftrace_raw,format,recover}.ts do.
 * payloads_c_test.ts holds it to agreeing with them.
 *
 * @module
 */

export const PAYLOADS_C = String.raw`/*
 * The payload oracle of UD-TR-002/003: the records of one event, read from
 * ftrace's per-CPU trace_pipe_raw or from a perf mmap ring, decoded with only
 * the event's format file, as harness/trace/{ftrace_raw,format,recover}.ts do.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>

/* A test build points this at a directory laid out like tracefs. */
#ifndef UDIAG_TRACEFS
#define UDIAG_TRACEFS "/sys/kernel/tracing"
#endif
/* events/header_page and header_event on x86-64 (see ftrace_raw.ts). */
#define RB_PAGE 4096
#define RB_DATA 16
#define RB_COMMIT_MASK ((1u << 27) - 1)
#define RB_MISSING_EVENTS (1u << 31)
#define RB_TYPE_BITS 5
#define RB_PADDING 29
#define RB_TIME_EXTEND 30
#define RB_TIME_STAMP 31
#define RB_DATA_MAX 28
#define RB_TS_MSB (0xf8ULL << 56)
#define RB_MAX_PAGES 4096
/* struct perf_event_mmap_page and the record header (perf.ts). */
#define PERF_DATA_HEAD 1024
#define PERF_DATA_TAIL 1032
#define PERF_DATA_OFFSET 1040
#define PERF_DATA_SIZE 1048
#define PERF_RECORD_SAMPLE 9
#define MAX_FIELDS 64

enum kind { K_INT, K_ARRAY, K_DATA_LOC, K_REL_LOC, K_BYTES };

struct sent {
	const char *p;
	long len;
};

struct field {
	char name[64];
	enum kind kind;
	long offset, size;
};

struct format {
	long id, n, fixed_end;
	struct field f[MAX_FIELDS];
};

struct rec {
	uint64_t ts;
	int cpu;
	long seq, len;
	unsigned char *p;
};

struct strs {
	char **s;
	long n;
};

/* What a sink gave back: records, then payloads and problems as recover.ts words them. */
struct got {
	struct rec *rec;
	long nrec;
	struct strs problems, page_problems;
	long lost;
	const unsigned char **pay;
	long *paylen, npay;
};

static void *grow(void *p, long n, size_t size)
{
	/* Doubling at powers of two: amortized, and no capacity to carry around. */
	if (n & (n - 1))
		return p;
	p = realloc(p, (n ? 2 * n : 1) * size);
	if (!p) {
		perror("udiag-repro: realloc");
		exit(1);
	}
	return p;
}

static void add_str(struct strs *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		exit(1);
	va_end(ap);
	l->s = grow(l->s, l->n, sizeof(*l->s));
	l->s[l->n++] = s;
}

static uint64_t le(const unsigned char *p, int size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

static char *read_text(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	long n, at = 0;

	if (fd < 0)
		return NULL;
	/* A tracefs file: one big read, as readTracefsText() does. */
	while (at < (long)sizeof(buf) - 1 && (n = read(fd, buf + at, sizeof(buf) - 1 - at)) > 0)
		at += n;
	close(fd);
	buf[at] = 0;
	return buf;
}

/* format.ts fieldKind() and DECL: "TYPE NAME" or "TYPE NAME[N]". */
static int parse_decl(char *decl, long size, struct field *f)
{
	char *end = decl + strlen(decl), *name;
	int array = 0;

	while (end > decl && end[-1] == ' ')
		*--end = 0;
	if (end > decl && end[-1] == ']' && strrchr(decl, '[')) {
		array = 1;
		end = strrchr(decl, '[');
		*end = 0;
		while (end > decl && end[-1] == ' ')
			*--end = 0;
	}
	name = end;
	while (name > decl && (name[-1] == '_' || isalnum((unsigned char)name[-1])))
		name--;
	if (name == end || name == decl || strlen(name) >= sizeof(f->name))
		return -1;
	snprintf(f->name, sizeof(f->name), "%s", name);
	if (!strncmp(decl, "__data_loc", 10))
		f->kind = K_DATA_LOC;
	else if (!strncmp(decl, "__rel_loc", 9))
		f->kind = K_REL_LOC;
	else if (array)
		f->kind = K_ARRAY;
	else
		f->kind = size == 1 || size == 2 || size == 4 || size == 8 ? K_INT : K_BYTES;
	return 0;
}

/* One "field:DECL; offset:N; size:N; signed:N;" line (format.ts parseFieldLine()). */
static int parse_field(char *line, struct format *fmt)
{
	char *decl = strstr(line, "field:"), *semi, *o, *s;
	struct field *f = &fmt->f[fmt->n];

	if (!decl || fmt->n == MAX_FIELDS)
		return -1;
	decl += 6;
	while (*decl == ' ' || *decl == '\t')
		decl++;
	semi = strchr(decl, ';');
	o = semi ? strstr(semi, "offset:") : NULL;
	s = o ? strstr(o, "size:") : NULL;
	if (!s)
		return -1;
	*semi = 0;
	f->offset = strtol(o + 7, NULL, 10);
	f->size = strtol(s + 5, NULL, 10);
	if (parse_decl(decl, f->size, f))
		return -1;
	if (f->offset + f->size > fmt->fixed_end)
		fmt->fixed_end = f->offset + f->size;
	fmt->n++;
	return 0;
}

/* events/<event>/format: the ID and every field, common ones included; NULL or the bad line. */
static const char *parse_format(char *text, struct format *fmt)
{
	char *line, *save = NULL;
	int in = 0;

	memset(fmt, 0, sizeof(*fmt));
	fmt->id = -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "ID:", 3))
			fmt->id = strtol(line + 3, NULL, 10);
		else if (!strcmp(line, "format:"))
			in = 1;
		else if (!strncmp(line, "print fmt:", 10))
			in = 0;
		else if (in && strspn(line, " \t") != strlen(line) && parse_field(line, fmt))
			return line;
	}
	return fmt->id < 0 ? "(no ID: line)" : NULL;
}

/* Adds a problem to a record's sentence, "; " between them (payloadsOf()). */
static void problem(char *why, size_t room, const char *fmt, ...)
{
	size_t at = strlen(why);
	va_list ap;

	if (at && at + 2 < room) {
		strcpy(why + at, "; ");
		at += 2;
	}
	va_start(ap, fmt);
	vsnprintf(why + at, room - at, fmt, ap);
	va_end(ap);
}

/* format.ts decodeRecordResult() and recover.ts payloadsOf(), for one record. */
static void decode(const struct format *fmt, const unsigned char *p, long len, struct got *g)
{
	const unsigned char *data = NULL;
	long i, dlen = 0, off, n;
	char why[1024] = "";
	int is_bytes = 0;

	for (i = 0; i < fmt->n; i++) {
		const struct field *f = &fmt->f[i];

		if (f->offset + f->size > len) {
			problem(why, sizeof(why), "field \"%s\" at bytes %ld..%ld "
				"lies past the %ld-byte record",
				f->name, f->offset, f->offset + f->size, len);
			continue;
		}
		if (f->kind == K_INT) {
			if (!strcmp(f->name, "data"))
				is_bytes = 0;
			continue;
		}
		if (f->kind == K_ARRAY || f->kind == K_BYTES) {
			off = f->offset;
			n = f->size;
		} else {
			/* Only the low 4 bytes carry the word, whatever size the format claims. */
			uint32_t word = f->offset + 4 <= len ? le(p + f->offset, 4) : 0;

			off = (f->kind == K_REL_LOC ? f->offset + f->size : 0) + (word & 0xffff);
			n = word >> 16;
			if (off + n > len) {
				problem(why, sizeof(why), "field \"%s\" points at bytes %ld..%ld, "
					"past the %ld-byte record", f->name, off, off + n, len);
				continue;
			}
			if (off < fmt->fixed_end)
				problem(why, sizeof(why), "field \"%s\" points at bytes %ld..%ld, "
					"inside the fixed fields that end at %ld",
					f->name, off, off + n, fmt->fixed_end);
		}
		if (!strcmp(f->name, "data")) {
			data = p + off;
			dlen = n;
			is_bytes = 1;
		}
	}
	if (why[0]) {
		add_str(&g->problems, "%s", why);
		return;
	}
	if (!is_bytes) {
		add_str(&g->problems, "record has no data field");
		return;
	}
	g->pay = grow(g->pay, g->npay, sizeof(*g->pay));
	g->paylen = grow(g->paylen, g->npay, sizeof(*g->paylen));
	g->pay[g->npay] = data;
	g->paylen[g->npay++] = dlen;
}

static void keep(struct got *g, const unsigned char *p, long len, uint64_t ts, int cpu)
{
	struct rec *r;

	g->rec = grow(g->rec, g->nrec, sizeof(*g->rec));
	r = &g->rec[g->nrec];
	r->p = malloc(len ? len : 1);
	if (!r->p)
		exit(1);
	memcpy(r->p, p, len);
	r->len = len;
	r->ts = ts;
	r->cpu = cpu;
	r->seq = g->nrec++;
}

/* The kernel's rb_fix_abs_ts(): the top bits an absolute timestamp leaves out. */
static uint64_t fix_abs_ts(uint64_t abs, uint64_t prev)
{
	uint64_t ts;

	if (!(prev & RB_TS_MSB))
		return abs;
	ts = abs | (prev & RB_TS_MSB);
	if (ts < prev)
		ts += 1ULL << 59;
	return ts;
}

/* ftrace_raw.ts decodePage(): keeps the records of type id, words what does not fit. */
static void decode_page(const unsigned char *pg, long len, int cpu, long page, long id,
			struct got *g)
{
	uint64_t ts, delta;
	uint32_t flags, word;
	long size, end, at = RB_DATA, start, n, next;
	int type;

	if (len < RB_DATA) {
		add_str(&g->page_problems, "cpu%d page %ld: {\"kind\":\"page-short\","
			"\"length\":%ld,\"pageSize\":%d}", cpu, page, len, RB_PAGE);
		return;
	}
	ts = le(pg, 8);
	flags = le(pg + 8, 8);
	size = flags & RB_COMMIT_MASK;
	if (flags & RB_MISSING_EVENTS)
		g->lost++;
	if (size > RB_PAGE - RB_DATA) {
		add_str(&g->page_problems, "cpu%d page %ld: {\"kind\":\"size-over-capacity\","
			"\"size\":%ld,\"capacity\":%d}", cpu, page, size, RB_PAGE - RB_DATA);
		return;
	}
	end = RB_DATA + size;
	if (end > len) {
		add_str(&g->page_problems, "cpu%d page %ld: {\"kind\":\"page-short\","
			"\"length\":%ld,\"pageSize\":%d}", cpu, page, len, RB_PAGE);
		end = len;
	}
	for (; at + 4 <= end; ) {
		word = le(pg + at, 4);
		type = word & ((1 << RB_TYPE_BITS) - 1);
		delta = word >> RB_TYPE_BITS;
		n = 8;
		if (type == RB_PADDING) {
			/* A zero delta: the unused rest of the page; else a discarded event. */
			if (!delta)
				break;
			if (at + 8 > end)
				goto truncated;
			next = at + 4 + (long)le(pg + at + 4, 4);
			n = next - at;
			if (next > end)
				goto truncated;
			at = next;
		} else if (type == RB_TIME_EXTEND || type == RB_TIME_STAMP) {
			if (at + 8 > end)
				goto truncated;
			delta += le(pg + at + 4, 4) << (32 - RB_TYPE_BITS);
			ts = type == RB_TIME_EXTEND ? ts + delta : fix_abs_ts(delta, ts);
			at += 8;
		} else {
			/* type 0: the length, header included, is in array[0]. */
			if (!type && at + 8 > end)
				goto truncated;
			start = type ? at + 4 : at + 8;
			n = type ? type * 4 : (long)le(pg + at + 4, 4) - 4;
			if (n < 0) {
				add_str(&g->page_problems, "cpu%d page %ld: {"
					"\"kind\":\"event-length\",\"pageOffset\":%ld,"
					"\"length\":%ld}", cpu, page, at, n + 4);
				break;
			}
			if (start + n > end) {
				n = start + n - at;
				goto truncated;
			}
			ts += delta;
			if (n >= 2 && (long)le(pg + start, 2) == id)
				keep(g, pg + start, n, ts, cpu);
			at = start + ((n + 3) & ~3L);
		}
		continue;
truncated:
		add_str(&g->page_problems, "cpu%d page %ld: {\"kind\":\"event-truncated\","
			"\"pageOffset\":%ld,\"typeLen\":%d,\"needs\":%ld,\"size\":%ld}",
			cpu, page, at, type, n, size);
		break;
	}
}

/* One CPU's trace_pipe_raw, read page by page until EAGAIN or EOF (ftrace_reader.ts). */
static int drain_cpu(int cpu, long id, struct got *g)
{
	char path[256];
	unsigned char *buf = NULL;
	long n, at = 0, pages;
	int fd;

	snprintf(path, sizeof(path), UDIAG_TRACEFS "/per_cpu/cpu%d/trace_pipe_raw", cpu);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	for (pages = 0; pages < RB_MAX_PAGES; pages++) {
		buf = realloc(buf, at + RB_PAGE);
		if (!buf)
			exit(1);
		n = read(fd, buf + at, RB_PAGE);
		if (n < 0 && errno != EAGAIN) {
			n = -errno;
			close(fd);
			free(buf);
			return n;
		}
		if (n <= 0)
			break;
		at += n;
	}
	close(fd);
	/* Reads are concatenated, then cut into pages, as decodePages() does. */
	for (n = 0; n < at; n += RB_PAGE)
		decode_page(buf + n, at - n < RB_PAGE ? at - n : RB_PAGE, cpu, n / RB_PAGE, id, g);
	free(buf);
	return 0;
}

static int by_number(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Oldest first: timestamp, then CPU, then the order read (collectRecords()). */
static int by_time(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu - y->cpu;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every CPU under per_cpu/, ascending; the first refusal is the only problem (recoverFtrace()). */
static void read_ftrace(long id, struct got *g)
{
	int cpu[1024], ncpu = 0, i, err;
	DIR *d = opendir(UDIAG_TRACEFS "/per_cpu");
	struct dirent *e;

	if (!d) {
		add_str(&g->page_problems, "per_cpu: %s", strerrorname_np(errno));
		return;
	}
	while ((e = readdir(d)) && ncpu < 1024) {
		char *end;
		long c;

		if (strncmp(e->d_name, "cpu", 3) || !isdigit((unsigned char)e->d_name[3]))
			continue;
		c = strtol(e->d_name + 3, &end, 10);
		if (!*end)
			cpu[ncpu++] = c;
	}
	closedir(d);
	qsort(cpu, ncpu, sizeof(*cpu), by_number);
	for (i = 0; i < ncpu; i++) {
		err = drain_cpu(cpu[i], id, g);
		if (err) {
			g->nrec = g->lost = g->page_problems.n = 0;
			add_str(&g->page_problems, "trace_pipe_raw: %s", strerrorname_np(-err));
			return;
		}
	}
	qsort(g->rec, g->nrec, sizeof(*g->rec), by_time);
}

/* len bytes of the data area from pos, wrapping at its end (perf.ts ringBytes()). */
static void ring_bytes(const unsigned char *data, uint64_t size, uint64_t pos, unsigned char *out,
		       long len)
{
	long i;

	for (i = 0; i < len; i++)
		out[i] = data[(pos + i) % size];
}

/* Samples between data_tail and data_head (parsePerfRecords(), sampleRaw()); leaves the tail. */
static void read_perf(const unsigned char *ring, struct got *g)
{
	/* data_head before the data: the smp_rmb() the uapi header asks for. */
	const uint64_t *at_head = (const uint64_t *)(ring + PERF_DATA_HEAD);
	uint64_t head = __atomic_load_n(at_head, __ATOMIC_ACQUIRE);
	uint64_t tail = le(ring + PERF_DATA_TAIL, 8), pos;
	uint64_t size = le(ring + PERF_DATA_SIZE, 8);
	const unsigned char *data = ring + le(ring + PERF_DATA_OFFSET, 8);
	unsigned char h[8], *body;
	long len;

	/* recoverPerf() takes what parses and words no ring problem. */
	if (!size || head < tail || head - tail > size)
		return;
	for (pos = tail; head - pos >= 8; pos += len) {
		ring_bytes(data, size, pos, h, 8);
		len = le(h + 6, 2);
		if (len < 8 || (uint64_t)len > head - pos)
			break;
		if (le(h, 4) != PERF_RECORD_SAMPLE || len < 12)
			continue;
		body = malloc(len - 8);
		if (!body)
			exit(1);
		ring_bytes(data, size, pos + 8, body, len - 8);
		if (4 + le(body, 4) <= (uint64_t)len - 8)
			keep(g, body + 4, le(body, 4), 0, 0);
		free(body);
	}
}

/* The TS evidence's way to show a payload (perf_fixture.ts hex()). */
static const char *show_bytes(const unsigned char *p, long len)
{
	static char s[64];
	long i, n = len > 24 ? 12 : len;
	int at = 0;

	if (len > 24)
		at = snprintf(s, sizeof(s), "%ld bytes ", len);
	for (i = 0; i < n; i++)
		at += snprintf(s + at, sizeof(s) - at, "%02x", p[i]);
	if (len > 24)
		snprintf(s + at, sizeof(s) - at, "...");
	return len ? s : "(empty)";
}

/* The rule's comparison: no problem, as many payloads as sent, each byte for byte. */
static int differs(char *why, size_t room, const struct got *g, const struct sent *sent, long n)
{
	long i, nprob = g->problems.n + g->page_problems.n + !!g->lost;
	int at;

	if (nprob) {
		at = snprintf(why, room, "decode problems: %s",
			      g->problems.n ? g->problems.s[0] :
			      g->page_problems.n ? g->page_problems.s[0] : "lost events");
		if (nprob > 1 && at >= 0 && (size_t)at < room)
			snprintf(why + at, room - at, " (and %ld more)", nprob - 1);
		return 1;
	}
	if (g->npay != n) {
		snprintf(why, room, "%ld recovered, expected %ld", g->npay, n);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (g->paylen[i] == sent[i].len && !memcmp(g->pay[i], sent[i].p, sent[i].len))
			continue;
		at = snprintf(why, room, "#%ld is %s", i, show_bytes(g->pay[i], g->paylen[i]));
		snprintf(why + at, room - at, ", expected %s",
			 show_bytes((const unsigned char *)sent[i].p, sent[i].len));
		return 1;
	}
	return 0;
}

/* A test build prints everything it recovered, to compare with the TypeScript decoder. */
static void dump(const struct got *g)
{
#ifdef UDIAG_PAYLOADS_DUMP
	long i, j;

	for (i = 0; i < g->npay; i++) {
		printf("udiag-repro: payload ");
		for (j = 0; j < g->paylen[i]; j++)
			printf("%02x", g->pay[i][j]);
		printf("\n");
	}
	for (i = 0; i < g->problems.n; i++)
		printf("udiag-repro: problem %s\n", g->problems.s[i]);
	for (i = 0; i < g->page_problems.n; i++)
		printf("udiag-repro: problem %s\n", g->page_problems.s[i]);
	if (g->lost)
		printf("udiag-repro: problem %ld page(s) report lost events\n", g->lost);
#else
	(void)g;
#endif
}

static void release(struct got *g)
{
	long i;

	for (i = 0; i < g->nrec; i++)
		free(g->rec[i].p);
	for (i = 0; i < g->problems.n; i++)
		free(g->problems.s[i]);
	for (i = 0; i < g->page_problems.n; i++)
		free(g->page_problems.s[i]);
	free(g->rec);
	free(g->problems.s);
	free(g->page_problems.s);
	free(g->pay);
	free(g->paylen);
}

/*
 * The records of event decode, with only its format file, to exactly sent
 * in order; perf reads the mmap ring at ring, ftrace every CPU's buffer.
 */
static void check_payloads(const char *finding, const char *what, const char *event, int perf,
			   const unsigned char *ring, const struct sent *sent, long n)
{
	char path[256], why[1024], *text;
	const char *bad;
	struct format fmt;
	struct got g = { 0 };
	long i;

	if (perf && !ring) {
		printf("udiag-repro: %s: the perf ring is not mapped\n", what);
		return;
	}
	snprintf(path, sizeof(path), UDIAG_TRACEFS "/events/%s/format", event);
	text = read_text(path);
	bad = text ? parse_format(text, &fmt) : strerror(errno);
	if (bad) {
		snprintf(why, sizeof(why), "cannot read %s: %s", path, bad);
	} else {
		if (perf)
			read_perf(ring, &g);
		else
			read_ftrace(fmt.id, &g);
		for (i = 0; i < g.nrec; i++)
			decode(&fmt, g.rec[i].p, g.rec[i].len, &g);
		dump(&g);
	}
	if (bad || differs(why, sizeof(why), &g, sent, n)) {
		printf("udiag-repro: found: %s\n", finding);
		printf("udiag-repro: %s: %s\n", what, why);
	}
	release(&g);
}
`;
