/**
 * The RFC's own code, compiled and run on the host (see rfc_test.ts): the
 * format lines its diag_event_define_fields() publishes and the bytes its
 * probes hand to ftrace and perf, for tests that decode them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { compileC } from "../cc.ts";
import { capture } from "../proc.ts";
import { payloadBytes, PAYLOADS } from "./payloads.ts";

const RFC = new URL("../../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url);
const CAPTURED_FORMAT = new URL("./testdata/ftrace/format", import.meta.url);
export const EVENT_ID = 435;
export const PID = 4242;

/** The added lines of the patch, without their `+`. */
function rfcLines(): string[] {
  return Deno.readTextFileSync(RFC).split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1));
}

/** From the line that starts with `head` to the first line that closes it at column 0. */
function block(lines: readonly string[], head: string): string {
  const from = lines.findIndex((l) => l.startsWith(head));
  assert.ok(from >= 0, `the RFC should contain "${head}"`);
  const to = lines.findIndex((l, i) => i > from && /^}/.test(l));
  return lines.slice(from, to + 1).join("\n");
}

const STUBS = `
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <stdbool.h>

typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
#define __user
#define FILTER_OTHER 0
#define ALIGN(x, a) (((x) + (a) - 1) & ~((size_t)(a) - 1))
#define EVENT_ID ${EVENT_ID}
#define PID ${PID}

/* include/linux/trace_events.h */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};
struct hlist_head { void *first; };
struct trace_event { int type; };
struct trace_event_call { struct trace_event event; struct hlist_head *perf_events; };
struct diag_event { struct trace_event_call call; };
struct trace_event_file { unsigned long flags; };
#define EVENT_FILE_FL_ENABLED 1UL
struct trace_event_buffer { int unused; };
struct pt_regs { int unused; };

static void dump(const char *tag, const unsigned char *p, size_t n)
{
	size_t i;

	printf("%s ", tag);
	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\\n");
}

/* f_show() in kernel/trace/trace_events.c: "__data_loc" types print whole. */
static int trace_define_field(struct trace_event_call *call, const char *type,
			      const char *name, int offset, int size,
			      int is_signed, int filter_type)
{
	printf("\\tfield:%s %s;\\toffset:%u;\\tsize:%u;\\tsigned:%d;\\n",
	       type, name, offset, size, !!is_signed);
	return 0;
}

/* The ring buffer: the core fills the trace_entry, the probe the rest. */
static unsigned char ring[8192];
static size_t reserved;
static void *trace_event_buffer_reserve(struct trace_event_buffer *fb,
					struct trace_event_file *file, size_t len)
{
	struct trace_entry *ent = (struct trace_entry *)ring;

	memset(ring, 0, sizeof(ring));
	reserved = len;
	ent->type = EVENT_ID;
	ent->pid = PID;
	return ring;
}
static int trace_trigger_soft_disabled(struct trace_event_file *file) { return 0; }
static unsigned long copy_from_user(void *to, const void *from, unsigned long n)
{
	memcpy(to, from, n);
	return 0;
}
static void trace_event_buffer_commit(struct trace_event_buffer *fb)
{
	dump("ftrace", ring, reserved);
}

/* perf: perf_trace_buf_alloc() zeroes only the last u64 of a reused buffer. */
#define bpf_prog_array_valid(call) false
static unsigned int trace_call_bpf(struct trace_event_call *call, void *ctx) { return 0; }
#define this_cpu_ptr(p) (p)
#define hlist_empty(h) ((h)->first == NULL)
#define perf_fetch_caller_regs(regs) ((void)(regs))
static unsigned char perf_buf[8192];
static struct pt_regs perf_regs;
static void *perf_trace_buf_alloc(int size, struct pt_regs **regs, int *rctxp)
{
	memset(perf_buf, 0x5a, sizeof(perf_buf));
	memset(&perf_buf[size - sizeof(u64)], 0, sizeof(u64));
	*regs = &perf_regs;
	*rctxp = 0;
	return perf_buf;
}
/*
 * perf_tp_event(): perf_trace_buf_update() fills the trace_entry; the raw
 * sample is the record padded with zeros so that u32 size + data is u64-sized.
 */
static void perf_trace_buf_submit(void *raw, int size, int rctx, u16 type,
				  u64 count, struct pt_regs *regs, void *head,
				  void *task)
{
	static unsigned char out[8192];
	struct trace_entry *ent = raw;
	size_t padded = ALIGN(size + sizeof(u32), sizeof(u64)) - sizeof(u32);

	ent->type = type;
	ent->flags = 0;
	ent->preempt_count = 0;
	ent->pid = PID;
	memset(out, 0, sizeof(out));
	memcpy(out, raw, size);
	dump("perf", out, padded);
}
`;

function cArray(bytes: Uint8Array): string {
  return `{ ${[...bytes].join(", ")} }`;
}

/** Runs the RFC's own code: its format lines, then one ftrace and one perf record per payload. */
export async function runRfc(): Promise<
  { fields: string; ftrace: Uint8Array[]; perf: Uint8Array[] }
> {
  const lines = rfcLines();
  const source = [
    STUBS,
    block(lines, "struct diag_trace_event {"),
    block(lines, "struct diag_trace_perf_event {"),
    block(lines, "struct diag_bpf_context {"),
    block(lines, "static int diag_event_define_fields("),
    block(lines, "static void diag_probe_trace("),
    block(lines, "static void diag_probe_perf("),
    ...PAYLOADS.map((p, i) => `static const char payload${i}[] = ${cArray(payloadBytes(p))};`),
    `int main(void)
{
	static struct hlist_head head = { &head };
	struct diag_event diag = { .call = { .event = { .type = EVENT_ID }, .perf_events = &head } };
	struct trace_event_file file = { EVENT_FILE_FL_ENABLED };

	printf("fields\\n");
	diag_event_define_fields(&diag.call);
	printf("end\\n");
${
      PAYLOADS.map((_, i) =>
        `\tdiag_probe_trace(&diag, payload${i}, sizeof(payload${i}), &file);\n` +
        `\tdiag_probe_perf(&diag, payload${i}, sizeof(payload${i}), NULL);`
      ).join("\n")
    }
	return 0;
}
`,
  ].join("\n");
  const bin = await compileC(source, ["-O1", "-Wall", "-Wno-unused-function", "-Werror"]);
  try {
    const out = (await capture(bin, [])).split("\n");
    const fields = out.slice(out.indexOf("fields") + 1, out.indexOf("end")).join("\n");
    const bytes = (tag: string) =>
      out.filter((l) => l.startsWith(`${tag} `)).map((l) =>
        new Uint8Array(l.slice(tag.length + 1).match(/../g)!.map((h) => parseInt(h, 16)))
      );
    return { fields, ftrace: bytes("ftrace"), perf: bytes("perf") };
  } finally {
    await Deno.remove(bin.replace(/\/prog$/, ""), { recursive: true });
  }
}

/** The captured format of our module with its event fields swapped for the RFC's. */
export function rfcFormat(fields: string): string {
  const ours = Deno.readTextFileSync(CAPTURED_FORMAT);
  const common = ours.split("\n").filter((l) => l.includes("field:") && l.includes("common_"));
  return `name: rfc_event\nID: ${EVENT_ID}\nformat:\n${common.join("\n")}\n\n${fields}\n\n` +
    `print fmt: "datalen=%d", REC->datalen\n`;
}
