import assert from "node:assert/strict";
import { DONE_LINE, emitC, type EmitOptions, FOUND_PREFIX, foundLines } from "./emit_c.ts";
import type {
  CallEvent,
  Expectation,
  JudgeEvent,
  PeekEvent,
  PokeEvent,
  ProcEvent,
  ProcTrace,
  Trace,
  TraceArg,
} from "./trace.ts";

// ---------------------------------------------------------------- builders

/** x86_64 syscall numbers the traces use. */
const NR = {
  ioctl: 16,
  write: 1,
  open: 2,
  close: 3,
  mmap: 9,
  mprotect: 10,
  getpid: 39,
  writev: 20,
  sendmsg: 46,
  fork: 57,
  ftruncate: 77,
  memfd_create: 319,
};
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100;
const PROT_READ = 1, PROT_RW = 3, MAP_SHARED = 1;
const UID = Deno.uid() ?? 0;
const GID = Deno.gid() ?? 0;
const BASE = 140000000000n;

/** A monotonic clock: every event a later `t` than the one before. */
function clock(): () => string {
  let now = 5_000_000_000n;
  return () => String(now += 1_000n);
}

const i = (n: number | bigint): TraceArg => ({ i: String(n) });
const p = (n: number | bigint): TraceArg => ({ p: String(n) });
const hex = (s: string) =>
  [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("");
const buf = (s: string, addr = 0x5555_0000_1000n): TraceArg => ({
  buf: hex(s),
  addr: String(addr),
});

type Ev = ProcTrace["events"][number];

function proc(t: () => string, pid: number, role: ProcEvent["role"], uid = UID): ProcEvent {
  return { ev: "proc", t: t(), pid, uid, gid: GID, role };
}

function call(
  t: () => string,
  name: keyof typeof NR,
  args: TraceArg[],
  ret: number | bigint,
): CallEvent {
  return { ev: "call", t: t(), name, nr: NR[name], args, ret: String(ret) };
}

function judge(t: () => string, finding: string, what: string, expect: Expectation): JudgeEvent {
  return { ev: "judge", t: t(), finding, what, expect };
}

function poke(t: () => string, addr: bigint, s: string): PokeEvent {
  return { ev: "poke", t: t(), addr: String(addr), bytes: hex(s) };
}

function peek(t: () => string, addr: bigint, bytes: string): PeekEvent {
  return { ev: "peek", t: t(), addr: String(addr), bytes };
}

/** One root process with these events. */
function solo(build: (t: () => string) => Ev[]): Trace {
  const t = clock();
  const root = proc(t, 100, "root");
  return [{ proc: root, events: build(t) }];
}

/** A process forked by `parent` (a C helper's child). */
const forkedBy = (pr: ProcEvent, parent: number): ProcEvent => ({ ...pr, parent });

/** A shared page of `fd` at BASE, `prot` as given. */
const mapShared = (t: () => string, fd: number, prot: number) =>
  call(t, "mmap", [p(0), i(4096), i(prot), i(MAP_SHARED), i(fd), i(0)], BASE);

/** A page of a memfd at BASE, read-only but open for writing (SEC-PG-004's shape). */
const memfdPage = (t: () => string): Ev[] => [
  call(t, "memfd_create", [buf("page\0"), i(0)], 58),
  call(t, "ftruncate", [i(58), i(4096)], 0),
  mapShared(t, 58, PROT_READ),
];

/**
 * Root forks pid 201 after `before`; the child runs `child`, then root runs
 * `after`: each builder gets the clock, so the events keep that order.
 */
function rootForks(
  before: (t: () => string) => Ev[],
  child: (t: () => string) => Ev[],
  after: (t: () => string) => Ev[] = () => [],
): Trace {
  const t = clock();
  const root = proc(t, 100, "root");
  const kid = forkedBy(proc(t, 201, "actor"), 100);
  const r = [...before(t), call(t, "fork", [], 201)];
  const c = child(t);
  r.push(...after(t));
  return [{ proc: root, events: r }, { proc: kid, events: c }];
}

/** The child's judged mprotect(PROT_READ|PROT_WRITE) of the inherited page, which succeeded. */
const childMprotect = (t: () => string): Ev[] => [
  call(t, "mprotect", [p(BASE), i(4096), i(PROT_RW)], 0),
  judge(t, "PG-2", "forked child: mprotect(RW)", { fails: true }),
];

const devNull = (t: () => string, fd = 57) =>
  call(t, "open", [buf("/dev/null\0"), i(O_RDWR), i(0)], fd);

const kernel: EmitOptions = { title: "test", kind: "kernel", command: "deno task repro x" };
const conformance: EmitOptions = { ...kernel, kind: "conformance" };

// ---------------------------------------------------------------- running

const STATIC = await exists("/usr/lib/x86_64-linux-gnu/libc.a");

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} failed (${out.code}): ${err}\n${text}`);
  return text;
}

/** Builds the source with gcc -Wall -Werror and runs it; its stdout. */
async function compileRun(source: string, argv: string[] = []): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "emit_c_test_" });
  try {
    await Deno.writeTextFile(`${dir}/repro.c`, source);
    const flags = ["-Wall", "-Werror", ...(STATIC ? ["-static"] : []), "-o", "repro", "repro.c"];
    await run("gcc", flags, dir);
    return await run(`${dir}/repro`, argv, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// ---------------------------------------------------------------- cases

interface Case {
  readonly name: string;
  /** Builds the trace; `dir` is a fresh temp dir for files the calls make. */
  readonly trace: (dir: string) => Trace;
  readonly opts?: EmitOptions;
  readonly argv?: string[];
  /** A refusal whose reason matches, or what the program prints. */
  readonly refused?: RegExp;
  readonly found?: string[];
  /** Lines (or patterns of lines) stdout must hold. */
  readonly lines?: (string | RegExp)[];
  /** Patterns the C source must hold. */
  readonly source?: RegExp[];
}

const cases: Case[] = [
  {
    name: "a write's wrong count is found, its fd pinned by fd_at",
    trace: () =>
      solo((t) => [
        devNull(t),
        call(t, "write", [i(57), buf("hi"), i(2)], 2),
        judge(t, "R-1", "write(2 bytes)", { value: 3 }),
      ]),
    opts: conformance,
    found: ["R-1"],
    lines: ["udiag-repro: write(2 bytes) returned 2, expected 3"],
  },
  {
    name: "a judge the recorded answer keeps is refused",
    trace: () =>
      solo((t) => [
        devNull(t),
        call(t, "write", [i(57), buf("hi"), i(2)], 2),
        judge(t, "R-1", "write(2 bytes)", { value: 2 }),
      ]),
    opts: conformance,
    refused: /not the answer to one call \(write\(2 bytes\)\)/,
  },
  {
    name: "close(-1) judged EBADF: holds, refused",
    trace: () =>
      solo((
        t,
      ) => [call(t, "close", [i(-1)], -9), judge(t, "C-1", "close(-1)", { errno: "EBADF" })]),
    opts: conformance,
    refused: /evidence is not the answer/,
  },
  {
    name: "close(-1) judged ok: found, with the errno name",
    trace: () =>
      solo((t) => [call(t, "close", [i(-1)], -9), judge(t, "C-2", "close(-1)", { ok: true })]),
    opts: conformance,
    found: ["C-2"],
    lines: ["udiag-repro: close(-1) returned EBADF, expected success"],
  },
  {
    name: "a mapping rebases pokes, pointer args and peeks",
    trace: () =>
      solo((t) => [
        devNull(t),
        call(t, "mmap", [p(0), i(4096), i(3), i(0x22), i(-1), i(0)], BASE),
        poke(t, BASE + 100n, "AB"),
        call(t, "write", [i(57), p(BASE + 100n), i(2)], 2),
        judge(t, "W-0", "write", { value: 1 }),
        peek(t, BASE + 100n, "41"),
        judge(t, "P-1", "peek(enable)", { value: 0x42 }),
      ]),
    opts: conformance,
    found: ["W-0", "P-1"],
    lines: [
      "udiag-repro: write returned 2, expected 1",
      "udiag-repro: peek(enable) returned 65, expected 66",
    ],
  },
  {
    name: "a page judged all zero counts the bytes that are not",
    trace: () =>
      solo((t) => [
        call(t, "mmap", [p(0), i(4096), i(3), i(0x22), i(-1), i(0)], BASE),
        poke(t, BASE + 7n, "ab"),
        peek(t, BASE, "00000000000000" + "6162" + "00".repeat(23)),
        judge(t, "Z-1", "non-zero bytes of the page", { zero: true }),
      ]),
    opts: conformance,
    found: ["Z-1"],
    lines: ["udiag-repro: non-zero bytes of the page returned 2, expected 0 non-zero bytes"],
  },
  {
    name: "a page judged against its expected bytes counts those that differ",
    trace: () =>
      solo((t) => [
        call(t, "mmap", [p(0), i(4096), i(3), i(0x22), i(-1), i(0)], BASE),
        poke(t, BASE + 1n, "ab"),
        peek(t, BASE, "00616200"),
        judge(t, "E-1", "the page", { equals: "00010000" }),
      ]),
    opts: conformance,
    found: ["E-1"],
    lines: ["udiag-repro: the page returned 2, expected 0 bytes other than expected"],
  },
  {
    name: "a page judged all zero that was is refused",
    trace: () =>
      solo((t) => [
        call(t, "mmap", [p(0), i(4096), i(3), i(0x22), i(-1), i(0)], BASE),
        peek(t, BASE, "0000"),
        judge(t, "Z-2", "page", { zero: true }),
      ]),
    opts: conformance,
    refused: /evidence is not the answer/,
  },
  {
    name: "a struct's pointer fields point at this program's copies, one per recorded address",
    // write(fd, struct { char *name; } ) is not an ABI, but it shows the
    // struct goes out with the program's own address in it, and a later
    // read through the same recorded address reaches the same array.
    trace: () =>
      solo((t) => [
        devNull(t),
        call(t, "write", [i(57), {
          buf: "00".repeat(16),
          addr: "0x5555000a0000",
          ptrs: [{ off: 8, arg: buf("word", 0x5555_000b_0000n) }],
        }, i(16)], 16),
        call(t, "write", [i(57), p(0x5555_000b_0001n), i(3)], 3),
        judge(t, "S-1", "write(word + 1)", { value: 4 }),
        peek(t, 0x5555_000b_0000n, "776f7264"),
        judge(t, "S-2", "the word", { value: 0x78 }),
      ]),
    opts: conformance,
    found: ["S-1", "S-2"],
    lines: [
      "udiag-repro: write(word + 1) returned 3, expected 4",
      // The program's copy of the pointee holds the recorded bytes: "w" = 119.
      "udiag-repro: the word returned 119, expected 120",
    ],
  },
  {
    name: "a pointer field outside its struct is refused",
    trace: () =>
      solo((t) => [
        devNull(t),
        call(t, "write", [i(57), {
          buf: "0000",
          addr: "0x5555000a0000",
          ptrs: [{ off: 0, arg: p(0) }],
        }, i(2)], 2),
      ]),
    opts: kernel,
    refused: /pointer field outside its struct/,
  },
  {
    name: "a recorded result below -4095 is shown as a value, not an errno",
    // UE-REG-014 on 6.12.117: the register ioctl returns a size cast to int.
    trace: () => solo((t) => [call(t, "getpid", [], -2147483648)]),
    opts: kernel,
    lines: [],
    source: [/^\t\/\* getpid -> -2147483648 \*\/$/m],
  },
  {
    name: "writev's iovec is rebuilt",
    trace: () =>
      solo((t) => [
        devNull(t),
        call(t, "writev", [i(57), {
          iov: [{ base: buf("hi"), len: "2" }, { base: buf("abc", 0x5555_0000_2000n), len: "3" }],
        }, i(2)], 5),
        judge(t, "V-1", "writev(bad iov)", { errno: "EFAULT" }),
      ]),
    opts: conformance,
    found: ["V-1"],
    lines: ["udiag-repro: writev(bad iov) returned 5, expected EFAULT"],
  },
  {
    name: "sendmsg is refused",
    trace: () =>
      solo((t) => [
        call(t, "sendmsg", [i(3), p(0x1000), i(0)], -9),
        judge(t, "S-1", "sendmsg", { ok: true }),
      ]),
    opts: conformance,
    refused: /^sendmsg: /,
  },
  {
    name: "a judge with nothing before it is refused",
    trace: () => solo((t) => [judge(t, "J-1", "nothing", { ok: true })]),
    opts: conformance,
    refused: /follows no call or peek/,
  },
  {
    name: "a peek outside every mapping is refused",
    trace: () => solo((t) => [peek(t, BASE, "00"), judge(t, "P-2", "peek", { value: 1 })]),
    opts: conformance,
    refused: /outside every mapping of pid 100/,
  },
  {
    name: "root and actor take turns in order",
    trace: (dir) => {
      const t = clock();
      const path = `${dir}/made-by-root`;
      const root = proc(t, 100, "root");
      const actor = proc(t, 101, "actor");
      const r: Ev[] = [], a: Ev[] = [];
      r.push(devNull(t, 40));
      a.push(devNull(t, 41));
      r.push(call(t, "write", [i(40), buf("r1"), i(2)], 2));
      a.push(call(t, "write", [i(41), buf("a1"), i(2)], 2));
      // A long line, to wrap four tabs in: ioctl(fd, TCGETS, kernel address).
      a.push(call(t, "ioctl", [i(41), i(0x5401), p(0xffff_8000_0000_0000n), i(-1)], -25));
      r.push(call(t, "open", [buf(`${path}\0`), i(O_CREAT | O_WRONLY), i(0o600)], 42));
      a.push(call(t, "open", [buf(`${path}\0`), i(O_RDONLY), i(0)], 43));
      a.push(judge(t, "A-1", "open(root's file)", { errno: "ENOENT" }));
      r.push(call(t, "write", [i(42), buf("r2"), i(2)], 2));
      return [{ proc: root, events: r }, { proc: actor, events: a }];
    },
    opts: { ...kernel, kind: "security" },
    found: ["A-1"],
    lines: [/^udiag-repro: open\(root's file\) returned \d+, expected ENOENT$/m],
  },
  {
    name: "workers race, the body repeated",
    trace: () => {
      const t = clock();
      const root = proc(t, 100, "root");
      const w1 = proc(t, 201, "worker");
      const w2 = proc(t, 202, "worker");
      const r: Ev[] = [call(t, "getpid", [], 100)];
      const a: Ev[] = [devNull(t, 60)];
      const b: Ev[] = [devNull(t, 61)];
      a.push(call(t, "write", [i(60), buf("w1"), i(2)], 2));
      b.push(call(t, "write", [i(61), buf("w2"), i(2)], 2));
      b.push(judge(t, "RACE-1", "write(w2)", { fails: true }));
      r.push(call(t, "getpid", [], 100));
      return [{ proc: root, events: r }, { proc: w1, events: a }, { proc: w2, events: b }];
    },
    opts: { ...kernel, kind: "fuzz", concurrent: true, repeat: 3 },
    found: ["RACE-1", "RACE-1", "RACE-1"],
    lines: ["udiag-repro: write(w2) returned 2, expected an error"],
  },
  {
    name: "workers without a root, repeat overridden by argv",
    trace: () => {
      const t = clock();
      const w1 = proc(t, 201, "worker");
      const w2 = proc(t, 202, "worker");
      return [
        {
          proc: w1,
          events: [call(t, "close", [i(-1)], -9), judge(t, "N-1", "close", { ok: true })],
        },
        { proc: w2, events: [call(t, "getpid", [], 202)] },
      ];
    },
    opts: { ...kernel, repeat: 5 },
    argv: ["2"],
    found: ["N-1", "N-1"],
  },
  {
    name: "a sink's payloads judge calls the C check, which words what it cannot read",
    trace: () =>
      solo((t) => [
        call(t, "getpid", [], 100),
        judge(t, "UD-TR-002", "payloads of udiag/t_1_1 via ftrace", {
          payloads: { sink: "ftrace", event: "udiag/t_1_1", sent: [hex("a"), hex("bc")] },
        }),
      ]),
    opts: conformance,
    // No such event on the build host: the format cannot be read, which is a finding.
    found: ["UD-TR-002"],
    lines: [
      /^udiag-repro: payloads of udiag\/t_1_1 via ftrace: cannot read \/sys\/kernel\/tracing\/events\/udiag\/t_1_1\/format: /m,
    ],
    source: [
      /check_payloads\("UD-TR-002",[\s\S]*?"udiag\/t_1_1",\s+0,\s+NULL,\s+w\d+,\s+2\);/,
      /static const struct sent w\d+\[2\] = \{\n\t\{ d\d+, 1 \},\n\t\{ d\d+, 2 \},\n\};/,
    ],
  },
  {
    name: "a perf payloads judge reads the ring at its rebased mapping; none sent is fine",
    trace: () =>
      solo((t) => [
        call(t, "mmap", [p(0), i(8192), i(3), i(0x22), i(-1), i(0)], BASE),
        judge(t, "UD-TR-003", "payloads of udiag/t_1_1 via perf", {
          payloads: { sink: "perf", event: "udiag/t_1_1", sent: [], ring: String(BASE) },
        }),
      ]),
    opts: conformance,
    found: ["UD-TR-003"],
    source: [
      /check_payloads\([\s\S]*?1,\s+\(const unsigned char \*\)\(long\)m\d+,\s+w\d+,\s+0\);/,
      /static const struct sent w\d+\[1\];/,
    ],
  },
  {
    name: "a perf payloads judge whose ring is not a recorded mapping is refused",
    trace: () =>
      solo((t) => [
        call(t, "getpid", [], 100),
        judge(t, "UD-TR-003", "payloads via perf", {
          payloads: { sink: "perf", event: "udiag/t_1_1", sent: [], ring: String(BASE) },
        }),
      ]),
    opts: conformance,
    refused: /^payloads via perf: the perf ring at \d+ is not a recorded mapping$/,
  },
  {
    name: "a payloads judge of an event name that is no tracefs path is refused",
    trace: () =>
      solo((t) => [
        call(t, "getpid", [], 100),
        judge(t, "UD-TR-002", "payloads", {
          payloads: { sink: "ftrace", event: "udiag/../../etc", sent: [] },
        }),
      ]),
    opts: conformance,
    refused: /^payloads of a malformed event name "udiag\/\.\.\/\.\.\/etc"$/,
  },
  {
    name: "no judge: refused for a fuzz finding",
    trace: () => solo((t) => [call(t, "getpid", [], 100)]),
    opts: { ...kernel, kind: "fuzz" },
    refused: /^no judged call was recorded$/,
  },
  {
    name: "no judge: fine for a kernel finding",
    trace: () => solo((t) => [call(t, "getpid", [], 100)]),
    opts: kernel,
    found: [],
  },
  {
    name: "a forked child's store shows in the parent's shared page: found",
    trace: () =>
      rootForks(
        (
          t,
        ) => [
          call(t, "open", [buf("/dev/zero\0"), i(O_RDWR), i(0)], 57),
          mapShared(t, 57, PROT_RW),
        ],
        (t) => [poke(t, BASE + 1n, "Z")],
        (t) => [peek(t, BASE, "005a0000"), judge(t, "PG-1", "the page", { equals: "00000000" })],
      ),
    opts: { ...kernel, kind: "security" },
    found: ["PG-1"],
    lines: ["udiag-repro: the page returned 1, expected 0 bytes other than expected"],
    source: [/^\tr = spawn\(0, child_0\);$/m, /^static const int maker\[NCHILD\] = \{ -1 \};$/m],
  },
  {
    name: "a forked child's mprotect of an inherited memfd page judged to fail: found",
    trace: () => rootForks(memfdPage, childMprotect),
    opts: { ...kernel, kind: "security" },
    found: ["PG-2"],
    lines: ["udiag-repro: forked child: mprotect(RW) returned 0, expected an error"],
  },
  {
    name: "a forked child's mprotect that the kernel refuses: nothing found",
    // /dev/zero open read-only: a shared mapping of it cannot become writable.
    trace: () =>
      rootForks(
        (
          t,
        ) => [
          call(t, "open", [buf("/dev/zero\0"), i(O_RDONLY), i(0)], 57),
          mapShared(t, 57, PROT_READ),
        ],
        childMprotect,
      ),
    opts: { ...kernel, kind: "security" },
    found: [],
  },
  {
    name: "an actor's forked child takes its turns on pipes the actor kept for it",
    // SEC-PG-004's shape: root (Deno), the helper (an actor), the helper's child.
    trace: () => {
      const t = clock();
      const root = proc(t, 100, "root");
      const actor = proc(t, 150, "actor");
      const kid = forkedBy(proc(t, 201, "actor"), 150);
      const r: Ev[] = [call(t, "getpid", [], 100)];
      const a: Ev[] = [...memfdPage(t), call(t, "fork", [], 201)];
      const c = childMprotect(t);
      c.push(poke(t, BASE, "Z"));
      a.push(peek(t, BASE, "5a00"), judge(t, "PG-3", "the page", { equals: "0000" }));
      r.push(call(t, "getpid", [], 100));
      return [{ proc: root, events: r }, { proc: actor, events: a }, { proc: kid, events: c }];
    },
    opts: { ...kernel, kind: "security" },
    found: ["PG-2", "PG-3"],
    source: [/^static const int maker\[NCHILD\] = \{ -1, 0 \};$/m],
  },
  {
    name: "a forked child in a race is refused",
    trace: () => rootForks(memfdPage, childMprotect),
    opts: { ...kernel, kind: "security", concurrent: true },
    refused: /^pid 201, forked by pid 100: a race starts its processes at once/,
  },
  {
    name: "a forked child whose parent is not in the trace is refused",
    trace: () => {
      const [root, kid] = rootForks(memfdPage, childMprotect);
      return [root!, { ...kid!, proc: forkedBy(kid!.proc, 99) }];
    },
    opts: { ...kernel, kind: "security" },
    refused: /^pid 201, forked by pid 99: its parent is not in the trace$/,
  },
  {
    name: "a forked child that acts before its fork is refused",
    trace: () => {
      const t = clock();
      const kid = forkedBy(proc(t, 201, "actor"), 100);
      const c = childMprotect(t);
      const root = { proc: proc(t, 100, "root"), events: [call(t, "fork", [], 201)] };
      return [root, { proc: kid, events: c }];
    },
    opts: { ...kernel, kind: "security" },
    refused: /acts before the fork that makes it$/,
  },
  {
    name: "a 64 KiB buffer and a finding with quotes",
    trace: () =>
      solo((t) => [
        devNull(t),
        call(t, "write", [i(57), buf('x"\\?\n0'.repeat(11_000)), i(66_000)], 66_000),
        judge(t, 'Q "1" \\ %s', "write(big)", { value: 1 }),
      ]),
    opts: { ...kernel, title: "a */ title" },
    found: ['Q "1" \\ %s'],
  },
];

for (const c of cases) {
  Deno.test(`emitC: ${c.name}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "emit_c_files_" });
    try {
      const out = emitC(c.trace(dir), c.opts ?? kernel);
      if (c.refused !== undefined) {
        assert(!out.ok, "expected a refusal");
        assert.match(out.reason, c.refused);
        return;
      }
      if (!out.ok) throw new Error(`refused: ${out.reason}`);
      assert(out.source.split("\n").every((l) => l.replaceAll("\t", "        ").length <= 100));
      for (const re of c.source ?? []) assert.match(out.source, re);
      const stdout = await compileRun(out.source, c.argv);
      assert.deepEqual(foundLines(stdout), c.found ?? []);
      assert.deepEqual(stdout.split("\n").filter((l) => l === DONE_LINE).length, 1, stdout);
      for (const l of c.lines ?? []) {
        const has = typeof l === "string" ? stdout.includes(`${l}\n`) : l.test(stdout);
        assert(has, `${l} not in:\n${stdout}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("emitC: a program without a payloads judge has no payload check", () => {
  const out = emitC(solo((t) => [call(t, "getpid", [], 100)]), kernel);
  assert.ok(out.ok);
  assert.doesNotMatch(out.source, /check_payloads|dirent\.h|UDIAG_TRACEFS/);
});

Deno.test("foundLines: the text after the prefix, line by line", () => {
  const out = `${FOUND_PREFIX}A\r\nnoise ${FOUND_PREFIX}B\n${FOUND_PREFIX}C d\n${DONE_LINE}\n`;
  assert.deepEqual(foundLines(out), ["A", "C d"]);
});

Deno.test("emitC: the header names the finding and how to build it", () => {
  const out = emitC(solo((t) => [call(t, "getpid", [], 100)]), kernel);
  assert(out.ok);
  assert(out.source.includes(" * test\n"));
  assert(out.source.includes("deno task repro x"));
  assert(out.source.includes("gcc -static -o repro repro.c && ./repro [repeat]"));
  assert(out.source.includes("/* getpid -> 100 */"));
});
