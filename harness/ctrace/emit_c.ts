/**
 * Writes a replay's syscall trace ({@linkcode Trace}) as a standalone C
 * reproducer, syzkaller style: plain `syscall(2)`s with the recorded
 * arguments, built with `gcc -static -o repro repro.c` and run as `./repro`
 * in a VM with nothing else of the framework in it.
 *
 * The program's stdout is a contract ({@linkcode FOUND_PREFIX},
 * {@linkcode DONE_LINE}, {@linkcode foundLines}): every judged call whose
 * answer breaks its expectation prints a `found` line, and a program that
 * ran to its end prints the `done` line.
 *
 * Recorded fds are pinned to their numbers (`fd_at`) and recorded addresses
 * inside a recorded mapping are rebased onto the new mapping, so the calls
 * can be written with their literal arguments. Processes other than root
 * are forked children that take their turns (or race) as they did; one whose
 * proc event names its `parent` is forked by that process at its recorded
 * `fork`, on the fds and mappings it inherits.
 *
 * Pure.
 *
 * @module
 */
import { type Errno, errnoName, errnoNumber } from "../errno.ts";
import {
  type CallEvent,
  type Expectation,
  type JudgeEvent,
  merged,
  type PayloadsExpectation,
  type PeekEvent,
  type PokeEvent,
  type ProcEvent,
  type Trace,
  type TraceArg,
} from "./trace.ts";

/** How to write the reproducer. */
export interface EmitOptions {
  /** The finding's title (header comment). */
  readonly title: string;
  readonly kind: "kernel" | "conformance" | "security" | "fuzz" | "runner";
  /** The framework command that replays it (header comment). */
  readonly command: string;
  /** A race: non-root processes run their calls freely, at once. */
  readonly concurrent?: boolean;
  /** How many times the whole body runs (default 1); argv[1] overrides it. */
  readonly repeat?: number;
}

/** The C source, or why the trace cannot be one. */
export type Emitted =
  | { readonly ok: true; readonly source: string }
  | { readonly ok: false; readonly reason: string };

/** The line prefix the program prints when the kernel answers a judged call wrong. */
export const FOUND_PREFIX = "udiag-repro: found: ";
/** The line the program prints when it ran to its end. */
export const DONE_LINE = "udiag-repro: done";

/** Findings a program's stdout reports (pure): the text after FOUND_PREFIX on each line. */
export function foundLines(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.startsWith(FOUND_PREFIX))
    .map((l) => l.slice(FOUND_PREFIX.length));
}

/** Calls whose structs hold pointers and fds a replay cannot rebuild. */
const REFUSED = new Set(["sendmsg", "recvmsg", "bind", "clone", "execve"]);
/** Calls whose new fd later calls name by its recorded number. */
const FD_MAKERS = new Set(["open", "memfd_create", "perf_event_open", "socket"]);
/** The program's own pipes start here, clear of every recorded fd. */
const PIPE_FD_BASE = 1000;
/** Columns a tab takes when wrapping lines. */
const TAB = 8;
const WIDTH = 100;
/** Room for a statement: the deepest one sits four tabs in (a child's case, a block). */
const ROOM = WIDTH - 4 * TAB;

type Act = CallEvent | PeekEvent | PokeEvent;

/** A call, peek or poke, with the judges that apply to it. */
interface Item {
  readonly pid: number;
  readonly k: number;
  readonly event: Act;
  readonly judges: JudgeEvent[];
}

interface Mapping {
  readonly base: bigint;
  readonly len: bigint;
  readonly name: string;
}

/** One process while its events are written: its live mappings and C variables. */
interface ProcState {
  readonly proc: ProcEvent;
  readonly maps: Mapping[];
  readonly vars: string[];
  /** Its `child_<index>` function (-1: root's body). */
  readonly index: number;
  /**
   * It forks a traced process: its mapping variables are file-scope, so the
   * child's function reaches the mappings it inherited.
   */
  readonly forks: boolean;
}

/** File-scope data arrays and a counter for fresh names. */
interface Ctx {
  readonly statics: string[];
  n: number;
  /** Every process, by pid: a fork names the child it made. */
  readonly procs: ReadonlyMap<number, ProcState>;
}

class Refusal extends Error {}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

/** Writes `trace` as a C program (pure); refuses traces a replay cannot rebuild. */
export function emitC(trace: Trace, opts: EmitOptions): Emitted {
  try {
    return { ok: true, source: emit(trace, opts) };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    throw err;
  }
}

function emit(trace: Trace, opts: EmitOptions): string {
  const items = collect(trace);
  const judged = items.some((i) => i.judges.length > 0);
  if (!judged && opts.kind !== "kernel" && opts.kind !== "runner") {
    refuse("no judged call was recorded");
  }
  for (const item of items) for (const j of item.judges) checkEvidence(item, j);
  const root = trace.find((p) => p.proc.role === "root")?.proc;
  const children = trace.map((p) => p.proc).filter((p) => p !== root);
  const concurrent = opts.concurrent === true || root === undefined;
  checkForks(trace, items, concurrent);
  const states = new Map<number, ProcState>(trace.map(({ proc }) => [proc.pid, {
    proc,
    maps: [],
    vars: [],
    index: children.indexOf(proc),
    forks: trace.some((q) => q.proc.parent === proc.pid),
  }]));
  const ctx: Ctx = { statics: [], n: 0, procs: states };
  const bodies = items.map((item) => renderItem(ctx, stateOf(states, item.pid), item));
  for (const st of states.values()) {
    if (st.forks) ctx.statics.push(...st.vars.map((v) => `UNUSED static char *${v};`), "");
  }
  const layout: Layout = { root, children, items, bodies, states };
  const program = concurrent ? concurrentProgram(layout) : sequentialProgram(layout);
  return [
    header(opts),
    helpers(opts.repeat ?? 1),
    ...(items.some((i) => i.judges.some((j) => "payloads" in j.expect)) ? [payloadHelpers()] : []),
    ...ctx.statics,
    ...program,
    mainFn(),
  ].join("\n");
}

function stateOf(states: ReadonlyMap<number, ProcState>, pid: number): ProcState {
  const st = states.get(pid);
  if (st === undefined) refuse(`an event of pid ${pid}, which has no proc event`);
  return st;
}

// ---------------------------------------------------------------- the trace

/** The calls, peeks and pokes in time order, each judge pinned to the act before it. */
function collect(trace: Trace): Item[] {
  const items: Item[] = [];
  let last: Item | undefined;
  for (const [k, { pid, event }] of merged(trace).entries()) {
    if (event.ev === "judge") {
      if (last === undefined) refuse(`the judge of ${event.what} follows no call or peek`);
      last.judges.push(event);
      continue;
    }
    if (event.ev !== "call" && event.ev !== "peek" && event.ev !== "poke") {
      refuse(`an unknown event "${(event as { ev: string }).ev}"`);
    }
    if (event.ev === "call" && REFUSED.has(event.name)) {
      refuse(`${event.name}: its structs hold pointers and fds a replay cannot rebuild`);
    }
    const item: Item = { pid, k, event, judges: [] };
    items.push(item);
    if (event.ev !== "poke") last = item;
  }
  return items;
}

/**
 * A process with a `parent` starts at a fork of it, so it needs a recorded
 * fork of that parent made before its first step, and turns taken in order.
 */
function checkForks(trace: Trace, items: readonly Item[], concurrent: boolean): void {
  for (const { proc } of trace) {
    if (proc.parent === undefined) continue;
    const who = `pid ${proc.pid}, forked by pid ${proc.parent}`;
    if (concurrent) refuse(`${who}: a race starts its processes at once, not at a fork`);
    if (!trace.some((q) => q.proc.pid === proc.parent)) {
      refuse(`${who}: its parent is not in the trace`);
    }
    const fork = items.findIndex(({ pid, event: e }) =>
      pid === proc.parent && e.ev === "call" && e.name === "fork" && e.ret === String(proc.pid)
    );
    if (fork < 0) refuse(`${who}: no recorded fork of its parent returned ${proc.pid}`);
    const first = items.findIndex((i) => i.pid === proc.pid);
    if (first >= 0 && first < fork) refuse(`${who}: it acts before the fork that makes it`);
  }
}

/** The finding is the recorded answer breaking the expectation: refuse one that holds. */
function checkEvidence(item: Item, j: JudgeEvent): void {
  // A sink's payloads are recorded only when they broke the rule: nothing to hold against.
  if ("payloads" in j.expect) return checkPayloads(j.expect.payloads);
  const event = item.event;
  const answer = recordedAnswer(event, countsNonZero(item), comparedTo(item));
  const isMmap = event.ev === "call" && event.name === "mmap";
  if (answer === undefined || holds(j.expect, answer, isMmap)) {
    refuse(`the finding's evidence is not the answer to one call (${j.what})`);
  }
}

/**
 * A peek judged `zero` answers how many of its bytes are not, one judged
 * `equals` how many differ; others, their first byte.
 */
function countsNonZero(item: Item): boolean {
  return item.event.ev === "peek" && item.judges.some((j) => "zero" in j.expect);
}

function comparedTo(item: Item): Uint8Array | null {
  if (item.event.ev !== "peek") return null;
  const j = item.judges.find((j) => "equals" in j.expect);
  return j && "equals" in j.expect ? bytesOf(j.expect.equals) : null;
}

function recordedAnswer(
  event: Act,
  nonZero: boolean,
  want: Uint8Array | null,
): bigint | undefined {
  if (event.ev === "call") return int(event.ret, `${event.name}'s result`);
  if (event.ev !== "peek") return undefined;
  const bytes = bytesOf(event.bytes);
  if (want) return BigInt(differing(bytes, want));
  if (nonZero) return BigInt(bytes.filter((b) => b !== 0).length);
  const first = bytes[0];
  return first === undefined ? undefined : BigInt(first);
}

function holds(expect: Expectation, answer: bigint, isMmap: boolean): boolean {
  if ("payloads" in expect) return false;
  if ("errno" in expect) return answer === -BigInt(errnoOf(expect.errno));
  const failed = isMmap ? answer >= -4095n && answer <= -1n : answer < 0n;
  if ("ok" in expect) return !failed;
  if ("fails" in expect) return failed;
  if ("zero" in expect || "equals" in expect) return answer === 0n;
  return answer === BigInt(expect.value);
}

/** How many of `got`'s bytes differ from `want` (pure; a shorter `want` compares its length). */
function differing(got: Uint8Array, want: Uint8Array): number {
  let n = 0;
  for (let k = 0; k < Math.min(got.length, want.length); k++) n += got[k] !== want[k] ? 1 : 0;
  return n;
}

function errnoOf(name: string): number {
  try {
    return errnoNumber(name as Errno);
  } catch {
    return refuse(`an unknown errno name "${name}"`);
  }
}

function int(s: string, what: string): bigint {
  try {
    return BigInt(s);
  } catch {
    return refuse(`${what} is not an integer: "${s}"`);
  }
}

function bytesOf(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) refuse(`bytes are not hex: "${hex.slice(0, 40)}"`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ---------------------------------------------------------------- one event

function renderItem(ctx: Ctx, st: ProcState, item: Item): string[] {
  const ev = item.event;
  const isMmap = ev.ev === "call" && ev.name === "mmap";
  const lines = ev.ev === "call"
    ? renderCall(ctx, st, ev)
    : ev.ev === "peek"
    ? renderPeek(ctx, st, ev, countsNonZero(item), comparedTo(item))
    : renderPoke(ctx, st, ev);
  for (const j of item.judges) {
    const e = j.expect;
    lines.push(
      ...("payloads" in e ? renderPayloads(ctx, st, j, e.payloads) : renderJudge(j, isMmap)),
    );
  }
  return lines;
}

function renderCall(ctx: Ctx, st: ProcState, ev: CallEvent): string[] {
  if (ev.name === "fork") return renderFork(ctx, st, ev);
  if (ev.args.length > 6) refuse(`${ev.name} has more than six arguments`);
  const decls: string[] = [];
  const args = ev.args.map((a, i) =>
    ev.name === "mmap" && i === 0 && "p" in a && int(a.p, "mmap's address") === 0n
      ? "0"
      : renderArg(ctx, st, a, decls, ev.name)
  );
  while (args.length < 6) args.push("0");
  const call = wrapCall(`r = sys(${ev.nr}, `, args);
  const lines = [`/* ${ev.name} -> ${showRet(ev)} */`];
  if (decls.length > 0) lines.push("{", ...indent([...decls, ...call]), "}");
  else lines.push(...call);
  lines.push(...afterCall(ctx, st, ev));
  return lines;
}

/**
 * A fork makes the traced child there (`spawn`), which runs the steps main
 * sends it; its recorded addresses are the parent's, so are its mappings.
 */
function renderFork(ctx: Ctx, st: ProcState, ev: CallEvent): string[] {
  const child = ctx.procs.get(Number(int(ev.ret, "fork's result")));
  if (child === undefined || child.proc.parent !== st.proc.pid) {
    refuse(`fork -> ${ev.ret}: no process of the trace was forked by pid ${st.proc.pid}`);
  }
  child.maps.push(...st.maps);
  return [
    `/* fork -> ${ev.ret}: pid ${ev.ret} runs child_${child.index} */`,
    `r = spawn(${child.index}, child_${child.index});`,
  ];
}

/** What a call leaves for later calls: an fd at its number, a mapping, or one less. */
function afterCall(ctx: Ctx, st: ProcState, ev: CallEvent): string[] {
  const ret = int(ev.ret, `${ev.name}'s result`);
  if (FD_MAKERS.has(ev.name) && ret >= 0n) {
    if (ret >= BigInt(PIPE_FD_BASE)) {
      refuse(`${ev.name} -> fd ${ret}, where the program's pipes live`);
    }
    return [`fd_at(r, ${ret});`];
  }
  if (ev.name === "mmap" && ret >= 0n) {
    const len = ev.args[1];
    if (len === undefined || !("i" in len)) refuse("mmap without an integer length");
    const name = `m${++ctx.n}`;
    st.vars.push(name);
    st.maps.unshift({ base: ret, len: int(len.i, "mmap's length"), name });
    // A failed mmap leaves NULL, so the pokes and peeks of it are skipped, not faulted.
    return [`${name} = IS_ERR(r) ? NULL : (char *)r;`];
  }
  const a0 = ev.args[0];
  if (ev.name === "munmap" && ret >= 0n && a0 !== undefined && "p" in a0) {
    const base = int(a0.p, "munmap's address");
    const at = st.maps.findIndex((m) => m.base === base);
    if (at >= 0) st.maps.splice(at, 1);
  }
  return [];
}

function showRet(ev: CallEvent): string {
  const ret = int(ev.ret, `${ev.name}'s result`);
  // Only -4095..-1 is an errno; below it a negative result is a value.
  if (ret < 0n && ret >= -4095n) return errnoName(Number(-ret));
  return ev.name === "mmap" ? `0x${ret.toString(16)}` : ret.toString();
}

function renderArg(ctx: Ctx, st: ProcState, a: TraceArg, decls: string[], call: string): string {
  if ("i" in a) return literal(int(a.i, `an argument of ${call}`));
  if ("p" in a) return pointer(st, int(a.p, `an address of ${call}`));
  if ("buf" in a && a.ptrs?.length) return structArg(ctx, st, a, decls, call);
  if ("buf" in a) {
    const at = mapped(st, int(a.addr, `an address of ${call}`));
    // Bytes inside a mapping were poked there; others get an array of their own.
    return at ?? `(long)${dataArray(ctx, bytesOf(a.buf))}`;
  }
  if ("out" in a) {
    const at = mapped(st, int(a.addr, `an address of ${call}`));
    return at ?? `(long)${zeroArray(ctx, a.out)}`;
  }
  if ("iov" in a) return iovArg(ctx, st, a.iov, decls, call);
  return refuse(`${call} has an argument of unknown kind`);
}

/**
 * A struct with pointer fields: its bytes in an array of its own, each
 * pointer field set to this program's copy of what it pointed to. Memory a
 * field points to keeps one array per recorded address, so a later call (an
 * unregister of the same enable word) or read reaches the same bytes.
 */
function structArg(
  ctx: Ctx,
  st: ProcState,
  a: { readonly buf: string; readonly ptrs?: readonly { off: number; arg: TraceArg }[] },
  decls: string[],
  call: string,
): string {
  const bytes = bytesOf(a.buf);
  const name = dataArray(ctx, bytes);
  for (const { off, arg } of a.ptrs ?? []) {
    if (off < 0 || off + 8 > bytes.length) refuse(`${call} has a pointer field outside its struct`);
    decls.push(`put64(${offset(name, BigInt(off))}, ${pointee(ctx, st, arg, call)});`);
  }
  return `(long)${name}`;
}

/** This program's address for what a pointer field pointed to. */
function pointee(ctx: Ctx, st: ProcState, a: TraceArg, call: string): string {
  if ("p" in a) return pointer(st, int(a.p, `a pointer field of ${call}`));
  if (!("buf" in a)) return refuse(`${call} has a pointer field to neither bytes nor an address`);
  const addr = int(a.addr, `a pointer field of ${call}`);
  const at = mapped(st, addr);
  if (at !== undefined) return at;
  const bytes = bytesOf(a.buf);
  const name = dataArray(ctx, bytes);
  st.maps.push({ base: addr, len: BigInt(Math.max(1, bytes.length)), name });
  return `(long)${name}`;
}

function iovArg(
  ctx: Ctx,
  st: ProcState,
  segs: readonly { readonly base: TraceArg; readonly len: string }[],
  decls: string[],
  call: string,
): string {
  const name = `iov_${++ctx.n}`;
  const rows = segs.map((s) => {
    if (!("buf" in s.base) && !("p" in s.base)) refuse(`${call}: an iovec base of unknown kind`);
    const base = renderArg(ctx, st, s.base, decls, call);
    return `{ (void *)${base}, ${literal(int(s.len, `an iovec length of ${call}`))} },`;
  });
  decls.push(`struct iovec ${name}[${Math.max(segs.length, 1)}] = {`, ...indent(rows), "};");
  return `(long)${name}`;
}

function renderPoke(ctx: Ctx, st: ProcState, ev: PokeEvent): string[] {
  const bytes = bytesOf(ev.bytes);
  const { name, off } = mappingAt(st, ev.addr, "poke");
  const src = dataArray(ctx, bytes);
  return [
    `/* poke ${bytes.length} bytes */`,
    `if (live(${name}))`,
    `\tmemcpy(${offset(name, off)}, ${src}, ${bytes.length});`,
  ];
}

function renderPeek(
  ctx: Ctx,
  st: ProcState,
  ev: PeekEvent,
  nonZero: boolean,
  want: Uint8Array | null,
): string[] {
  const bytes = bytesOf(ev.bytes);
  const { name, off } = mappingAt(st, ev.addr, "peek");
  const dst = zeroArray(ctx, bytes.length);
  // The judged answer of a peek is its first byte; an unmapped one reads as EFAULT.
  return [
    `/* peek -> ${ev.bytes.slice(0, 32)}${ev.bytes.length > 32 ? "..." : ""} */`,
    "r = -EFAULT;",
    `if (live(${name})) {`,
    `\tmemcpy(${dst}, ${offset(name, off)}, ${bytes.length});`,
    want
      ? `\tr = differ(${dst}, ${dataArray(ctx, want)}, ${Math.min(want.length, bytes.length)});`
      : nonZero
      ? `\tr = nonzero(${dst}, ${bytes.length});`
      : `\tr = ${bytes.length > 0 ? `(unsigned char)${dst}[0]` : "-1"};`,
    "}",
  ];
}

function renderJudge(j: JudgeEvent, isMmap: boolean): string[] {
  const e = j.expect;
  if ("payloads" in e) return refuse(`${j.what}: a payloads judge rendered as a call's`);
  const [broken, want] = "errno" in e
    ? [`r != -${errnoOf(e.errno)} /* ${e.errno} */`, e.errno]
    : "ok" in e
    ? [isMmap ? "IS_ERR(r)" : "r < 0", "success"]
    : "fails" in e
    ? [isMmap ? "!IS_ERR(r)" : "r >= 0", "an error"]
    : "zero" in e
    ? ["r != 0", "0 non-zero bytes"]
    : "equals" in e
    ? ["r != 0", "0 bytes other than expected"]
    : [`r != ${literal(BigInt(e.value))}`, String(e.value)];
  const args = `${cString(j.finding)}, ${cString(j.what)}, r, ${cString(want)}`;
  if (`\tfound(${args});`.length + TAB <= ROOM) return [`if (${broken})`, `\tfound(${args});`];
  return [
    `if (${broken})`,
    `\tfound(${cString(j.finding)}, ${cString(j.what)}, r,`,
    `\t      ${cString(want)});`,
  ];
}

// ---------------------------------------------------------------- a sink's payloads

/** Event names go into a tracefs path: `<system>/<name>`, nothing else. */
const EVENT_NAME = /^[A-Za-z0-9_]+\/[A-Za-z0-9_]+$/;

function checkPayloads(p: PayloadsExpectation): void {
  if (p.sink !== "ftrace" && p.sink !== "perf") refuse(`payloads from an unknown sink "${p.sink}"`);
  if (!EVENT_NAME.test(p.event)) refuse(`payloads of a malformed event name "${p.event}"`);
  for (const h of p.sent) bytesOf(h);
}

/**
 * A call of the C check (`payloadHelpers()`): the sent payloads become data
 * arrays, a perf ring its rebased mapping.
 */
function renderPayloads(
  ctx: Ctx,
  st: ProcState,
  j: JudgeEvent,
  p: PayloadsExpectation,
): string[] {
  const ring = p.sink === "perf" ? perfRing(st, p.ring, j.what) : "NULL";
  const rows = p.sent.map((h) => `\t{ ${dataArray(ctx, bytesOf(h))}, ${h.length / 2} },`);
  const sent = `w${++ctx.n}`;
  ctx.statics.push(
    ...(rows.length === 0
      ? [`static const struct sent ${sent}[1];`]
      : [`static const struct sent ${sent}[${rows.length}] = {`, ...rows, "};"]),
    "",
  );
  const args = [j.finding, j.what, p.event].map(cString);
  args.push(p.sink === "perf" ? "1" : "0", ring, sent, String(p.sent.length));
  return [
    `/* ${commentText(j.what)}: ${p.sent.length} payloads, checked in the sink */`,
    ...wrapCall("check_payloads(", args),
  ];
}

/** The ring of a perf judge, rebased onto this program's mapping of it. */
function perfRing(st: ProcState, ring: string | undefined, what: string): string {
  if (ring === undefined) refuse(`${what}: a perf judge without its ring's address`);
  const at = mapped(st, int(ring, `the perf ring of ${what}`));
  if (at === undefined) refuse(`${what}: the perf ring at ${ring} is not a recorded mapping`);
  return `(const unsigned char *)${at}`;
}

/** The C side of a payloads judge, in the program only when one is rendered. */
function payloadHelpers(): string {
  return String.raw`/*
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
}

// ---------------------------------------------------------------- values

function mapped(st: ProcState, addr: bigint): string | undefined {
  const m = st.maps.find((m) => addr >= m.base && addr < m.base + m.len);
  return m === undefined ? undefined : `(long)${offset(m.name, addr - m.base)}`;
}

function mappingAt(st: ProcState, addr: string, what: string): { name: string; off: bigint } {
  const a = int(addr, `a ${what} address`);
  const m = st.maps.find((m) => a >= m.base && a < m.base + m.len);
  if (m === undefined) {
    refuse(`a ${what} at 0x${a.toString(16)} outside every mapping of pid ${st.proc.pid}`);
  }
  return { name: m.name, off: a - m.base };
}

function offset(name: string, off: bigint): string {
  return off === 0n ? name : `(${name} + ${off})`;
}

function pointer(st: ProcState, addr: bigint): string {
  if (addr === 0n) return "0";
  return mapped(st, addr) ?? `(long)0x${BigInt.asUintN(64, addr).toString(16)}ULL`;
}

/** Small integers as they are; others as 64-bit hex, which C cannot misread as int. */
function literal(v: bigint): string {
  if (v >= -(2n ** 31n) && v < 2n ** 31n) return v.toString();
  return `(long)0x${BigInt.asUintN(64, v).toString(16)}ULL`;
}

function dataArray(ctx: Ctx, bytes: Uint8Array): string {
  const name = `d${++ctx.n}`;
  if (bytes.length === 0) {
    ctx.statics.push(`static char ${name}[1] ALIGNED;`, "");
    return name;
  }
  const lines = wrapLiteral(bytes);
  const last = lines.length - 1;
  lines[last] = `${lines[last]};`;
  ctx.statics.push(`static char ${name}[${bytes.length}] ALIGNED =`, ...lines, "");
  return name;
}

function zeroArray(ctx: Ctx, len: number): string {
  const name = `o${++ctx.n}`;
  ctx.statics.push(`static char ${name}[${Math.max(len, 1)}] ALIGNED;`, "");
  return name;
}

/** C string literal pieces of the bytes, one line each, within the line width. */
function wrapLiteral(bytes: Uint8Array): string[] {
  const room = WIDTH - TAB - 2;
  const lines: string[] = [];
  let cur = "";
  let hexBefore = false;
  for (const b of bytes) {
    // A hex digit after \xNN would extend the escape: escape it too.
    const piece = charOf(b, hexBefore);
    hexBefore = piece.startsWith("\\x");
    if (cur.length + piece.length > room) {
      lines.push(`\t"${cur}"`);
      cur = "";
    }
    cur += piece;
  }
  lines.push(`\t"${cur}"`);
  return lines;
}

function charOf(b: number, hexBefore: boolean): string {
  const c = String.fromCharCode(b);
  const plain = b >= 0x20 && b < 0x7f && c !== '"' && c !== "\\" && c !== "?";
  if (plain && !(hexBefore && /[0-9a-fA-F]/.test(c))) return c;
  return `\\x${b.toString(16).padStart(2, "0")}`;
}

/** A one-line C string literal of a text (UTF-8). */
function cString(s: string): string {
  let out = "";
  let hexBefore = false;
  for (const b of new TextEncoder().encode(s)) {
    const piece = charOf(b, hexBefore);
    hexBefore = piece.startsWith("\\x");
    out += piece;
  }
  return `"${out}"`;
}

/** Text safe inside a C comment. */
function commentText(s: string): string {
  return s.replace(/\*\//g, "* /").replace(/[\r\n]+/g, " ");
}

function wrapCall(head: string, args: string[]): string[] {
  const one = `${head}${args.join(", ")});`;
  if (one.length <= ROOM) return [one];
  const lines: string[] = [];
  let cur = head;
  for (const [i, a] of args.entries()) {
    const piece = `${a}${i === args.length - 1 ? ");" : ","}`;
    if (cur.trim() !== head.trim() && cur.length + piece.length > ROOM - TAB) {
      lines.push(cur.trimEnd());
      cur = "\t";
    }
    cur += `${piece} `;
  }
  lines.push(cur.trimEnd());
  return lines;
}

function indent(lines: readonly string[], tabs = 1): string[] {
  const pad = "\t".repeat(tabs);
  return lines.map((l) => (l === "" ? l : pad + l));
}

// ---------------------------------------------------------------- the program

interface Layout {
  readonly root: ProcEvent | undefined;
  readonly children: readonly ProcEvent[];
  readonly items: readonly Item[];
  /** Each item's C lines, by index in `items`. */
  readonly bodies: readonly string[][];
  readonly states: ReadonlyMap<number, ProcState>;
}

function header(opts: EmitOptions): string {
  return [
    "/*",
    ` * ${commentText(opts.title)}`,
    " *",
    ` * A ${opts.kind} finding, generated by udiag-fuzz from a recorded replay of:`,
    ` *   ${commentText(opts.command)}`,
    " *",
    " * Build and run:",
    " *   gcc -static -o repro repro.c && ./repro [repeat]",
    " *",
    ` * It prints "${FOUND_PREFIX}<finding>" when the kernel answers a judged`,
    ` * call wrong, and "${DONE_LINE}" when it ran to its end.`,
    " */",
    "#define _GNU_SOURCE",
    ...[
      "errno.h",
      "fcntl.h",
      "grp.h",
      "stdio.h",
      "stdlib.h",
      "string.h",
      "sys/mman.h",
      "sys/syscall.h",
      "sys/uio.h",
      "sys/wait.h",
      "unistd.h",
    ].map((h) => `#include <${h}>`),
    "",
  ].join("\n");
}

/** The helpers every program has; unused ones are marked so -Werror keeps quiet. */
function helpers(repeat: number): string {
  return `#define REPEAT ${Math.max(0, Math.trunc(repeat))}
#define IS_ERR(r) ((r) >= -4095 && (r) < 0)
#define UNUSED __attribute__((unused))
/* Our data keeps the alignment a recorded enable word or struct had. */
#define ALIGNED __attribute__((aligned(8)))

/* The raw call: the value, or -errno as the trace records it. */
static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
}

/* Moves a new fd to its recorded number, so later fd arguments stay literal. */
UNUSED static void fd_at(long r, int want)
{
	if (r < 0 || r == want)
		return;
	if (dup2((int)r, want) < 0) {
		perror("udiag-repro: dup2");
		exit(1);
	}
	close((int)r);
}

/* A result as the report shows it: an errno name, or the number. */
UNUSED static const char *show(long r)
{
	static char s[32];
	const char *name = IS_ERR(r) ? strerrorname_np((int)-r) : NULL;

	if (name)
		return name;
	/* Below -4095 a negative result is a value, not an errno. */
	snprintf(s, sizeof(s), IS_ERR(r) ? "E#%ld" : "%ld", IS_ERR(r) ? -r : r);
	return s;
}

UNUSED static void found(const char *finding, const char *what, long r,
			 const char *want)
{
	printf("${FOUND_PREFIX}%s\\n", finding);
	printf("udiag-repro: %s returned %s, expected %s\\n", what, show(r), want);
}

/* Memory a peek or poke may touch: a mapping that was made, or our data. */
UNUSED static int live(const void *p)
{
	return p != NULL;
}

/* A struct's pointer field, set to this program's memory. */
UNUSED static void put64(char *p, long v)
{
	memcpy(p, &v, sizeof(v));
}

/* How many bytes read back differ from what they had to be. */
UNUSED static long differ(const char *p, const char *want, long len)
{
	long i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] != want[i];
	return n;
}

/* How many bytes read back are not zero (a page that had to be clear). */
UNUSED static long nonzero(const char *p, long len)
{
	long i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] != 0;
	return n;
}

/* The program's own pipes live at fd ${PIPE_FD_BASE} and up, clear of recorded fds. */
UNUSED static void pipe_high(int p[2])
{
	int i;

	if (pipe(p) < 0) {
		perror("udiag-repro: pipe");
		exit(1);
	}
	for (i = 0; i < 2; i++) {
		int h = fcntl(p[i], F_DUPFD_CLOEXEC, ${PIPE_FD_BASE});

		if (h < 0) {
			perror("udiag-repro: fcntl");
			exit(1);
		}
		close(p[i]);
		p[i] = h;
	}
}

/* A child that ran as another user in the replay becomes that user. */
UNUSED static void become(unsigned uid, unsigned gid)
{
	if (getuid() == uid && getgid() == gid)
		return;
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
		printf("udiag-repro: cannot become uid %u gid %u: %s\\n",
		       uid, gid, strerror(errno));
		_exit(1);
	}
}

/* Waits for the children this process made (pid 0: made by another). */
UNUSED static void reap(const pid_t *pid, int n)
{
	int i, st;

	for (i = 0; i < n; i++) {
		if (pid[i] <= 0 || waitpid(pid[i], &st, 0) < 0)
			continue;
		if (WIFSIGNALED(st))
			printf("udiag-repro: child %d killed by signal %d\\n",
			       i, WTERMSIG(st));
		else if (WEXITSTATUS(st))
			printf("udiag-repro: child %d exited with %d\\n",
			       i, WEXITSTATUS(st));
	}
}
`;
}

/** Locals of a process's function: the result and its mappings (file-scope if it forks). */
function locals(st: ProcState | undefined): string[] {
  const maps = st?.forks ? [] : st?.vars.map((v) => `UNUSED char *${v} = NULL;`) ?? [];
  return ["UNUSED long r = 0;", ...maps];
}

function becomeLine(l: Layout, p: ProcEvent): string[] {
  // With a root, only credentials that differ from root's are switched.
  if (l.root !== undefined && p.uid === l.root.uid && p.gid === l.root.gid) return [];
  return [`become(${p.uid}, ${p.gid});`];
}

/** Consecutive items of one process, the unit a child runs per step. */
function runs(l: Layout): { pid: number; k: number; lines: string[] }[] {
  const out: { pid: number; k: number; lines: string[] }[] = [];
  for (const [i, item] of l.items.entries()) {
    const prev = out[out.length - 1];
    const body = l.bodies[i] ?? [];
    if (prev !== undefined && prev.pid === item.pid) prev.lines.push(...body);
    else out.push({ pid: item.pid, k: item.k, lines: [...body] });
  }
  return out;
}

function sequentialProgram(l: Layout): string[] {
  const n = l.children.length;
  const rs = runs(l);
  const out: string[] = [];
  if (n > 0) out.push(...sequentialPlumbing(l));
  // A forking child's code names the functions of those it forks.
  const forked = l.children.flatMap((p, c) => p.parent === undefined ? [] : [c]);
  if (forked.length > 0) out.push(...forked.map((c) => `static void child_${c}(void);`), "");
  for (const [c, p] of l.children.entries()) out.push(...stepLoop(l, rs, c, p));
  out.push(...sequentialBody(l, rs));
  return out;
}

/** A child's function: the steps main sends it, then its own forks reaped. */
function stepLoop(l: Layout, rs: ReturnType<typeof runs>, c: number, p: ProcEvent): string[] {
  const st = l.states.get(p.pid);
  const cases = rs.filter((r) => r.pid === p.pid).flatMap((r) => [
    `case ${r.k}:`,
    ...indent(r.lines),
    "\tbreak;",
  ]);
  const by = p.parent === undefined ? "" : `, forked by pid ${p.parent}`;
  return [
    `/* pid ${p.pid} (${p.role}, uid ${p.uid}${by}): runs the steps main sends it. */`,
    `static void child_${c}(void)`,
    "{",
    ...indent([...locals(st), "int k;", ""]),
    ...indent(becomeLine(l, p)),
    `\twhile (read(cmd[${c}][0], &k, sizeof(k)) == sizeof(k) && k >= 0) {`,
    "\t\tswitch (k) {",
    ...indent([...cases, "default:", "\tbreak;"], 2),
    "\t\t}",
    `\t\tif (write(ack[${c}][1], "", 1) != 1)`,
    "\t\t\tbreak;",
    "\t}",
    ...(st?.forks ? ["\treap(pid, NCHILD);"] : []),
    "}",
    "",
  ];
}

/** Main: makes the children that start at once, runs root's steps and sends theirs. */
function sequentialBody(l: Layout, rs: ReturnType<typeof runs>): string[] {
  const n = l.children.length;
  const rootPid = l.root?.pid;
  const steps = rs.flatMap((r) => {
    if (r.pid === rootPid) return r.lines;
    const c = l.children.findIndex((p) => p.pid === r.pid);
    return [`step(${c}, ${r.k});`];
  });
  const forkedByChild = l.children.some((p) => p.parent !== undefined && p.parent !== rootPid);
  return [
    "static void body(void)",
    "{",
    ...indent(locals(rootPid === undefined ? undefined : l.states.get(rootPid))),
    ...(n > 0 ? ["\tint c;", "", "\tfor (c = 0; c < NCHILD; c++) {"] : []),
    ...(n > 0 ? ["\t\tpipe_high(cmd[c]);", "\t\tpipe_high(ack[c]);", "\t}"] : []),
    ...l.children.flatMap((p, c) => p.parent === undefined ? [`\tspawn(${c}, child_${c});`] : []),
    ...(forkedByChild ? ["\t/* Those a child forks: it holds their ends. */"] : []),
    ...(forkedByChild ? ["\tfor (c = 0; c < NCHILD; c++)", "\t\tif (maker[c] >= 0)"] : []),
    ...(forkedByChild ? ["\t\t\tlet_go(c);"] : []),
    "",
    ...indent(steps),
    ...(n > 0 ? ["", "\t/* EOF on its pipe ends each child. */"] : []),
    ...(n > 0 ? ["\tfor (c = 0; c < NCHILD; c++) {"] : []),
    ...(n > 0 ? ["\t\tshut(&cmd[c][1]);", "\t\tshut(&ack[c][0]);", "\t}"] : []),
    ...(n > 0 ? [`\treap(pid, NCHILD);`] : []),
    "}",
    "",
  ];
}

/** The child that forks each child (its index), or -1 when main makes it. */
function makers(l: Layout): number[] {
  return l.children.map((p) => l.children.findIndex((q) => q.pid === p.parent));
}

function sequentialPlumbing(l: Layout): string[] {
  return `#define NCHILD ${l.children.length}
/* Per child: main sends step numbers on cmd, the child acks each on ack. */
static int cmd[NCHILD][2], ack[NCHILD][2];
/* The children this process made, to reap (0: made by another). */
static pid_t pid[NCHILD];
/* The child that forks each child at its recorded fork; -1: main makes it. */
static const int maker[NCHILD] = { ${makers(l).join(", ")} };

/* Main runs step k in child c and waits until it is done. */
static void step(int c, int k)
{
	char a;

	if (write(cmd[c][1], &k, sizeof(k)) != sizeof(k) ||
	    read(ack[c][0], &a, 1) != 1) {
		printf("udiag-repro: child %d died at step %d\\n", c, k);
		exit(1);
	}
}

/* Closes a pipe end once: a later close of the number may hit a recorded fd. */
static void shut(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Drops child c's ends of its pipes, once c holds them. */
static void let_go(int c)
{
	shut(&cmd[c][0]);
	shut(&ack[c][1]);
}

/* Whether child i is c, or one c forks (directly or not). */
static int in_tree(int i, int c)
{
	for (; i >= 0; i = maker[i])
		if (i == c)
			return 1;
	return 0;
}

/*
 * A new child keeps only its own ends and those of the children it forks
 * later, so each sees EOF once main lets go; it has made no child yet.
 */
static void keep_own(int c)
{
	int i;

	for (i = 0; i < NCHILD; i++) {
		if (!in_tree(i, c))
			let_go(i);
		shut(&cmd[i][1]);
		shut(&ack[i][0]);
		pid[i] = 0;
	}
}

/* Makes child c: main at the start, or the child that forks it at its fork. */
static pid_t spawn(int c, void (*fn)(void))
{
	pid_t p = fork();

	if (p < 0) {
		perror("udiag-repro: fork");
		exit(1);
	}
	if (p == 0) {
		keep_own(c);
		fn();
		_exit(0);
	}
	/* Only c holds its ends now: if it dies, main reads EOF on ack. */
	let_go(c);
	pid[c] = p;
	return p;
}
`.split("\n");
}

function concurrentProgram(l: Layout): string[] {
  const n = l.children.length;
  const rootPid = l.root?.pid;
  const firstOther = l.items.findIndex((i) => i.pid !== rootPid);
  const cut = firstOther < 0 ? l.items.length : firstOther;
  const rootLines = (from: number, to: number) =>
    l.items.flatMap((item, i) =>
      i >= from && i < to && item.pid === rootPid ? l.bodies[i] ?? [] : []
    );
  const out: string[] = [];
  if (n > 0) out.push(...concurrentPlumbing(n));
  for (const [c, p] of l.children.entries()) {
    const lines = l.items.flatMap((item, i) => item.pid === p.pid ? l.bodies[i] ?? [] : []);
    out.push(
      `/* pid ${p.pid} (${p.role}, uid ${p.uid}): runs all its calls once released. */`,
      `static void child_${c}(void)`,
      "{",
      ...indent([...locals(l.states.get(p.pid)), ""]),
      ...indent(becomeLine(l, p)),
      ...indent(lines),
      "}",
      "",
    );
  }
  out.push(
    "static void body(void)",
    "{",
    ...indent(locals(rootPid === undefined ? undefined : l.states.get(rootPid))),
    ...(n > 0 ? [`\tpid_t pid[${n}];`, "", "\tpipe_high(start);"] : []),
    ...l.children.map((_, c) => `\tpid[${c}] = spawn(child_${c});`),
    ...(n > 0 ? ["\tclose(start[0]);"] : []),
    "",
    ...indent(rootLines(0, cut)),
    ...(n > 0 ? ["", "\t/* Release every child at once. */", "\tclose(start[1]);"] : []),
    ...(n > 0 ? ["\treap(pid, NCHILD);", ""] : []),
    ...indent(rootLines(cut, l.items.length)),
    "}",
    "",
  );
  return out;
}

function concurrentPlumbing(n: number): string[] {
  return `#define NCHILD ${n}
/* Children block on start until main closes its end: a race starts at once. */
static int start[2];

static pid_t spawn(void (*fn)(void))
{
	pid_t p = fork();
	char b;

	if (p < 0) {
		perror("udiag-repro: fork");
		exit(1);
	}
	if (p > 0)
		return p;
	close(start[1]);
	if (read(start[0], &b, 1) < 0)
		_exit(1);
	close(start[0]);
	fn();
	_exit(0);
}
`.split("\n");
}

function mainFn(): string {
  return `int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : REPEAT;
	int i;

	/* Unbuffered: a crash mid-run still shows the lines before it, once. */
	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 0; i < n; i++)
		body();
	printf("${DONE_LINE}\\n");
	return 0;
}
`;
}
