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
import { PAYLOADS_C } from "./payloads_c.ts";
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
import type { FindingKind } from "../replay.ts";

/** How to write the reproducer. */
export interface EmitOptions {
  /** The finding's title (header comment). */
  readonly title: string;
  readonly kind: FindingKind;
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
    ...(items.some((i) => i.judges.some((j) => "payloads" in j.expect)) ? [PAYLOADS_C] : []),
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
  const args = [cString(j.finding), cString(j.what), "r", cString(want)];
  return [`if (${broken})`, ...indent(wrapCall("found(", args))];
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
 * A call of the C check (`PAYLOADS_C`): the sent payloads become data
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
