/**
 * Raw fuzzing: syscalls on the device with arguments no well-behaved client
 * passes (any ioctl number, bad and kernel pointers, unterminated and
 * oversized names, huge lengths, odd offsets, every mmap protection), with
 * tracing on now and then so the payload paths run too. There is no model
 * here: the oracle is the set of errnos each call may return, the rule that
 * the shared page never maps writable, and a kernel that logs no report.
 *
 * @module
 */
import fc from "fast-check";
import { DIAG_IOCSDEL, DIAG_IOCSREG, MAX_EVENT_NAME } from "../abi.ts";
import { ioc } from "../../../harness/ioctl.ts";
import { UdiagFile } from "../device.ts";
import { type Errno, showResult, type SysResult } from "../../../harness/errno.ts";
import {
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "../../../harness/libc.ts";
import {
  GuardedBytes,
  type Mem,
  pageSize,
  sysMmap,
  sysMprotect,
  sysMunmap,
  sysWritev,
} from "../../../harness/syscall.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { CaseFailure } from "../../../fuzz/campaign.ts";
import { recordJudge } from "../../../harness/ctrace/record.ts";
import { rawTitle } from "./titles.ts";

/** `MAP_SHARED_VALIDATE`: shared, and unknown flags are refused. */
const MAP_SHARED_VALIDATE = 0x03;
/** `MAX_RW_COUNT`: the VFS clips one write to this. */
const MAX_RW_COUNT = 0x7ffff000;
/** Names raw cases may create; deleted after each case. */
export const RAW_POOL = ["r0", "r1", "r2"] as const;

/** A memory argument as fuzz input. */
export type RawMem =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "unterminated"; readonly bytes: Uint8Array }
  | { readonly kind: "address"; readonly address: bigint };

/** One raw operation. */
export type RawOp =
  | { readonly op: "ioctl"; readonly cmd: number; readonly arg: RawMem }
  | { readonly op: "register"; readonly name: number }
  | { readonly op: "write"; readonly buf: RawMem; readonly len: number; readonly offset: number }
  | { readonly op: "writev"; readonly segs: readonly { buf: RawMem; len: number }[] }
  | {
    readonly op: "mmap";
    readonly len: number;
    readonly prot: number;
    readonly flags: number;
    readonly pages: number;
    readonly reprotect: number;
  }
  | { readonly op: "trace"; readonly name: number; readonly on: boolean }
  | { readonly op: "reopen" };

const BAD_ADDRESSES = [0n, 8n, 0x1000n, 0xffffffff81000000n, 0x8000000000000000n, 0x7ffffffff000n];

const rawMem: fc.Arbitrary<RawMem> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.uint8Array({ maxLength: 2 * MAX_EVENT_NAME }).map((bytes) => ({
      kind: "bytes" as const,
      bytes,
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...RAW_POOL).map((n) => ({
      kind: "bytes" as const,
      bytes: new TextEncoder().encode(n + "\0"),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2 * MAX_EVENT_NAME }).map((b) => ({
      kind: "unterminated" as const,
      bytes: b.map((x) => x || 1),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...BAD_ADDRESSES).map((address) => ({
      kind: "address" as const,
      address,
    })),
  },
);

const ioctlCmd = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(DIAG_IOCSREG, DIAG_IOCSDEL) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(3), fc.constantFrom("*", "x"), fc.nat(255), fc.nat(0x3fff)).map((
      [dir, type, nr, size],
    ) => ioc(dir, type, nr, size)),
  },
);

const length = fc.oneof(
  fc.constantFrom(0, 1, 64, 4096, 8192, 65536, 1 << 20, MAX_RW_COUNT, 0xffffffff),
  fc.nat(10_000),
);

/** Generator of one raw operation. */
export const rawOp: fc.Arbitrary<RawOp> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("ioctl" as const), cmd: ioctlCmd, arg: rawMem }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("register" as const), name: fc.nat(2) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("write" as const),
      buf: rawMem,
      len: length,
      offset: fc.oneof(
        { weight: 5, arbitrary: fc.constant(0) },
        fc.integer({ min: -1, max: 1 << 20 }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("writev" as const),
      segs: fc.array(fc.record({ buf: rawMem, len: length }), { maxLength: 4 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("mmap" as const),
      len: fc.oneof(fc.constantFrom(0, 1, 4096, 4097, 8192, 1 << 30), fc.nat(5 * 4096)),
      prot: fc.integer({ min: 0, max: 7 }),
      flags: fc.constantFrom(MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_SHARED | 0x100000),
      pages: fc.constantFrom(0, 0, 1, 2, 1 << 20),
      reprotect: fc.constantFrom(
        PROT_READ | PROT_WRITE,
        PROT_NONE,
        PROT_READ | PROT_EXEC,
        PROT_WRITE,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("trace" as const), name: fc.nat(2), on: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "reopen" as const }) },
);

/** The errnos each operation may return; anything else is a finding. */
const ALLOWED: Record<string, readonly Errno[]> = {
  register: ["EFAULT", "EINVAL", "EMFILE", "ENOMEM"],
  delete: ["EFAULT", "EINVAL", "ENOENT", "EBUSY"],
  ioctl: ["ENOTTY"],
  // E2BIG: traced, past the largest record a sink holds whole (UD-SZ-001).
  write: ["EFAULT", "ENOENT", "EINVAL", "E2BIG"],
  mmap: ["EFAULT", "EINVAL", "EPERM", "EACCES", "ENOMEM", "EOPNOTSUPP"],
  mprotect: ["EACCES", "EINVAL", "ENOMEM"],
  trace: ["ENOENT", "EINVAL"],
};

/** A raw answer outside what the ABI allows. */
export class RawViolation extends CaseFailure {
  readonly op: string;
  readonly got: string;
  /** `refused`: the call just made had to fail (what a C reproducer checks). */
  constructor(op: string, got: string, why: string, refused = false) {
    const title = rawTitle(op, got, why);
    super(`${op} returned ${got}: ${why}`, {
      title,
      breaks: "invariant: raw calls return only the errnos the ABI allows",
    });
    if (refused) recordJudge(title, op, "refused");
    this.name = "RawViolation";
    this.op = op;
    this.got = got;
  }
}

function withMem<T>(m: RawMem, fn: (mem: Mem) => T): T {
  if (m.kind === "bytes") return fn(m.bytes);
  if (m.kind === "address") return fn(m.address);
  using g = new GuardedBytes(m.bytes);
  return fn(g.address);
}

/** How an operation prints in repro.txt. */
export function showRawOp(o: RawOp): string {
  const mem = (m: RawMem) =>
    m.kind === "address"
      ? `0x${m.address.toString(16)}`
      : `${m.kind}(${m.bytes.length} bytes${
        m.kind === "bytes" && /^[\w]*\0?$/.test(new TextDecoder().decode(m.bytes))
          ? ` "${new TextDecoder().decode(m.bytes).replace("\0", "")}"`
          : ""
      })`;
  switch (o.op) {
    case "ioctl":
      return `ioctl(0x${o.cmd.toString(16)}, ${mem(o.arg)})`;
    case "register":
      return `register("${RAW_POOL[o.name]}")`;
    case "write":
      return o.offset === 0
        ? `write(${mem(o.buf)}, ${o.len})`
        : `pwrite(${mem(o.buf)}, ${o.len}, ${o.offset})`;
    case "writev":
      return `writev(${o.segs.map((s) => `${mem(s.buf)}:${s.len}`).join(", ")})`;
    case "mmap":
      return `mmap(len=${o.len}, prot=${o.prot}, flags=0x${
        o.flags.toString(16)
      }, pages=${o.pages}) then mprotect(${o.reprotect})`;
    case "trace":
      return `ftrace("${RAW_POOL[o.name]}", ${o.on ? "on" : "off"})`;
    case "reopen":
      return "close(); open()";
  }
}

function allow(kind: string, r: SysResult<unknown>, op: string): void {
  if (r.ok) return;
  if (!ALLOWED[kind]!.includes(r.errno)) {
    throw new RawViolation(op, r.errno, `not among ${ALLOWED[kind]!.join(", ")}`);
  }
}

/** Runs one raw operation on `f` (may replace it); throws {@linkcode RawViolation}. */
export function runRawOp(state: { file: UdiagFile; tracefs: Tracefs }, o: RawOp): void {
  const op = showRawOp(o);
  const f = state.file;
  switch (o.op) {
    case "ioctl": {
      const r = withMem(o.arg, (m) => f.ioctl(o.cmd, m));
      const kind = o.cmd === DIAG_IOCSREG
        ? "register"
        : o.cmd === DIAG_IOCSDEL
        ? "delete"
        : "ioctl";
      if (kind === "ioctl" && r.ok) {
        throw new RawViolation(op, showResult(r), "an unknown ioctl succeeded", true);
      }
      if (kind === "register" && r.ok && r.value < 1) {
        throw new RawViolation(op, showResult(r), "index 0 is reserved");
      }
      return allow(kind, r, op);
    }
    case "register":
      return allow("register", f.register(RAW_POOL[o.name]!), op);
    case "write": {
      const r = withMem(
        o.buf,
        (m) => o.offset === 0 ? f.write(m, o.len) : f.pwrite(m, o.offset, o.len),
      );
      if (r.ok && r.value !== Math.min(o.len, MAX_RW_COUNT)) {
        throw new RawViolation(
          op,
          showResult(r),
          `expected ${Math.min(o.len, MAX_RW_COUNT)} bytes`,
        );
      }
      return allow("write", r, op);
    }
    case "writev": {
      const guards: GuardedBytes[] = [];
      try {
        const segs = o.segs.map((s) => {
          if (s.buf.kind === "unterminated") {
            const g = new GuardedBytes(s.buf.bytes);
            guards.push(g);
            return { base: g.address, len: s.len };
          }
          return { base: s.buf.kind === "bytes" ? s.buf.bytes : s.buf.address, len: s.len };
        });
        return allow("write", sysWritev(f.fd, segs), op);
      } finally {
        for (const g of guards) g[Symbol.dispose]();
      }
    }
    case "mmap": {
      const r = sysMmap(o.len, o.prot, o.flags, f.fd, BigInt(o.pages) * BigInt(pageSize()));
      allow("mmap", r, op);
      if (!r.ok) return;
      try {
        if (o.prot & PROT_WRITE) {
          throw new RawViolation(op, "ok", "the shared page mapped writable", true);
        }
        const p = sysMprotect(r.value.address, r.value.length, o.reprotect);
        if (p.ok && (o.reprotect & PROT_WRITE)) {
          throw new RawViolation(op, "ok", "mprotect made the shared page writable", true);
        }
        allow("mprotect", p, op);
      } finally {
        sysMunmap(r.value.address, r.value.length);
      }
      return;
    }
    case "trace":
      return allow("trace", state.tracefs.setEnabled(RAW_POOL[o.name]!, o.on), op);
    case "reopen":
      f.close();
      state.file = UdiagFile.openOrThrow();
      return;
  }
}

/** Undoes what raw operations may have created: tracing off, pool names deleted. */
export function rawCleanup(tracefs: Tracefs): void {
  for (const n of RAW_POOL) tracefs.setEnabled(n, false);
  const ctl = UdiagFile.openOrThrow();
  for (const n of RAW_POOL) ctl.delete(n);
  ctl.close();
}
