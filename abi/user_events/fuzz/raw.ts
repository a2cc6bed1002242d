/**
 * The raw campaign: DIAG_IOCSREG, DIAG_IOCSUNREG, DIAG_IOCSDEL, write and
 * unknown ioctls with arguments no well-behaved client passes (bad struct
 * sizes and tails, bad and kernel pointers, oversized and unterminated
 * name_args, unknown flags, enable_size other than 4 or 8, bits out of
 * range, misaligned and unwritable addresses). No model: the oracle
 * ({@linkcode allowedRaw}, pure) is the errno table of NOTES.md §5, §7, §8
 * and §9, in the kernel's order, and the engine's quiet-kernel check.
 *
 * @module
 */
import fc from "fast-check";
import { showResult, type SysResult } from "../../../harness/errno.ts";
import {
  addressOf as memAddress,
  cString,
  GuardedBytes,
  sysWrite,
} from "../../../harness/syscall.ts";
import { CaseFailure } from "../../../fuzz/campaign.ts";
import {
  DIAG_IOC_MAGIC,
  DIAG_IOCSREG,
  DIAG_IOCSUNREG,
  encodeUserReg,
  encodeUserUnreg,
  MAX_EVENT_DESC,
  USER_REG_SIZE,
} from "../abi.ts";
import { iow } from "../../../harness/ioctl.ts";
import type { UserEventsFile } from "../client.ts";
import { POOL } from "./real.ts";

/** Where an address points. */
export type AddrKind = "word" | "word+4" | "misaligned" | "null" | "unmapped" | "kernel";

/** A name_args / delete name argument. */
export type NameKind =
  | "pool"
  | "pool fields"
  | "bad fields"
  | "colon"
  | "null"
  | "kernel"
  | "oversize"
  | "unterminated";

/** One raw operation. */
export type RawOp =
  | {
    readonly op: "reg";
    readonly size: number;
    readonly tail: boolean;
    readonly structFault: boolean;
    readonly flags: number;
    readonly enableSize: number;
    readonly bit: number;
    readonly addr: AddrKind;
    readonly name: NameKind;
    readonly pool: number;
  }
  | {
    readonly op: "unreg";
    readonly size: number;
    readonly tail: boolean;
    readonly structFault: boolean;
    readonly reserved: number;
    readonly reserved2: number;
    readonly bit: number;
    readonly addr: AddrKind;
  }
  | { readonly op: "del"; readonly name: NameKind; readonly pool: number }
  | {
    readonly op: "write";
    readonly length: number;
    readonly index: number;
    readonly nullBuf: boolean;
  }
  | { readonly op: "ioctl"; readonly nr: number };

/** The page size the oracle assumes (x86_64, as the guest). */
export const RAW_PAGE = 4096;

const structSize = (base: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(base) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: base - 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: base + 1, max: base + 16 }) },
    { weight: 1, arbitrary: fc.constantFrom(RAW_PAGE, RAW_PAGE + 1, 0xffff_ffff) },
  );
const addrKind = fc.constantFrom<AddrKind>(
  "word",
  "word",
  "word+4",
  "misaligned",
  "null",
  "unmapped",
  "kernel",
);
const nameKind = fc.constantFrom<NameKind>(
  "pool",
  "pool fields",
  "bad fields",
  "colon",
  "null",
  "kernel",
  "oversize",
  "unterminated",
);
const sometimes = (a: fc.Arbitrary<boolean>) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: a });

/** Generator of raw operations. */
export const rawOp: fc.Arbitrary<RawOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("reg" as const),
      size: structSize(USER_REG_SIZE),
      tail: sometimes(fc.constant(true)),
      structFault: sometimes(fc.constant(true)),
      flags: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 3) }, {
        weight: 1,
        arbitrary: fc.integer({ min: 4, max: 0xffff }),
      }),
      enableSize: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(4, 8) }, {
        weight: 1,
        arbitrary: fc.nat(255),
      }),
      bit: fc.oneof({ weight: 4, arbitrary: fc.nat(31) }, { weight: 1, arbitrary: fc.nat(255) }),
      addr: addrKind,
      name: nameKind,
      pool: fc.nat(POOL.length - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("unreg" as const),
      size: structSize(16),
      tail: sometimes(fc.constant(true)),
      structFault: sometimes(fc.constant(true)),
      reserved: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, {
        weight: 1,
        arbitrary: fc.nat(255),
      }),
      reserved2: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, {
        weight: 1,
        arbitrary: fc.nat(0xffff),
      }),
      bit: fc.nat(255),
      addr: addrKind,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("del" as const),
      name: nameKind,
      pool: fc.nat(POOL.length - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("write" as const),
      length: fc.nat(16),
      index: fc.oneof(fc.nat(3), fc.constantFrom(-1, -0x80000000, 0x7fffffff)),
      nullBuf: sometimes(fc.constant(true)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("ioctl" as const),
      nr: fc.integer({ min: 3, max: 255 }),
    }),
  },
);

/** A result the oracle allows: `ok` (any value), `ok N` (exactly), or an errno name. */
export type Allowed = ReadonlySet<string>;

/** Does a name argument fail to be read, and how (strndup_user, MU:272-293)? */
function nameReadErrno(n: NameKind): string | null {
  switch (n) {
    case "null":
    case "kernel":
    case "unterminated": // its bytes end where an unreadable page begins
      return "EFAULT";
    case "oversize": // no NUL within MAX_EVENT_DESC (U:2527-2533)
      return "EINVAL";
    default:
      return null;
  }
}

/**
 * What the kernel may answer to `o` (pure): NOTES.md's checks in the
 * kernel's order, the first one that fails deciding. Where an earlier
 * operation of the case may have made a difference (an address and bit
 * already registered, a pool name registered with other fields, an event
 * busy), every answer that history allows is in the set.
 *
 * @example
 * ```ts
 * import { allowedRaw } from "./raw.ts";
 * const a = allowedRaw({
 *   op: "reg", size: 28, tail: false, structFault: false, flags: 4, enableSize: 4, bit: 0,
 *   addr: "word", name: "pool", pool: 0,
 * });
 * if (a.size !== 1 || !a.has("EINVAL")) throw new Error();
 * ```
 */
export function allowedRaw(o: RawOp): Allowed {
  switch (o.op) {
    case "reg": {
      // §5.1: get_user(size) faults (U:2446-2449).
      if (o.structFault) return new Set(["EFAULT"]);
      // §5.2: size > PAGE_SIZE is E2BIG, < 28 is EINVAL (U:2451-2455).
      if (o.size > RAW_PAGE) return new Set(["E2BIG"]);
      if (o.size < USER_REG_SIZE) return new Set(["EINVAL"]);
      // §5.3: non-zero bytes past 28 are E2BIG (U:2457-2460).
      if (o.tail && o.size > USER_REG_SIZE) return new Set(["E2BIG"]);
      // §5.4: an unknown flag bit is EINVAL (U:2463-2464).
      if (o.flags & ~3) return new Set(["EINVAL"]);
      // §5.5: enable_size other than 4 or 8 (U:2467-2478).
      if (o.enableSize !== 4 && o.enableSize !== 8) return new Set(["EINVAL"]);
      // §5.6: misaligned (U:2481-2482).
      const off = addrOffset(o.addr);
      if (off % o.enableSize !== 0) return new Set(["EINVAL"]);
      // §5.7: bit out of range (U:2485-2486).
      if (o.bit > o.enableSize * 8 - 1) return new Set(["EINVAL"]);
      // §5.8: access_ok fails for a kernel address (U:2489-2491).
      if (o.addr === "kernel") return new Set(["EFAULT"]);
      const out = new Set<string>();
      // §5.9: the (address, bit) may be taken by an earlier op (U:2523-2525).
      if (o.addr === "word" || o.addr === "word+4") out.add("EADDRINUSE");
      // §5.10: strndup_user (U:2527-2533).
      const nameErr = nameReadErrno(o.name);
      if (nameErr) return out.add(nameErr);
      // §5.11: ':' in the name is EINVAL before any lookup (U:2124-2125).
      if (o.name === "colon") return out.add("EINVAL");
      // §5.11: the pool name may exist with other fields: EADDRINUSE
      // (U:1562-1594); the lookup runs before a new event's fields are
      // parsed, so a field-grammar error (§6) is EINVAL only for a new name.
      out.add("EADDRINUSE");
      if (o.name === "bad fields") return out.add("EINVAL");
      // §5.13: an unwritable enable address fails the enabler: ENOMEM (U:2563-2566).
      if (o.addr === "null" || o.addr === "unmapped") return out.add("ENOMEM");
      return out.add("ok");
    }
    case "unreg": {
      // §8 Unregister: get_user faults (U:2608-2611).
      if (o.structFault) return new Set(["EFAULT"]);
      // size > PAGE_SIZE: E2BIG (U:2613-2614); < 16: EINVAL (U:2616-2617).
      if (o.size > RAW_PAGE) return new Set(["E2BIG"]);
      if (o.size < 16) return new Set(["EINVAL"]);
      // copy_struct_from_user: a non-zero tail is E2BIG (U:2619; the reserved
      // check then reads a zeroed struct, CONFIG_INIT_STACK_ALL_ZERO).
      if (o.tail && o.size > 16) return new Set(["E2BIG"]);
      // A non-zero reserved byte: EINVAL (U:2622-2623).
      if (o.reserved || o.reserved2) return new Set(["EINVAL"]);
      // No match: ENOENT (U:2676-2680); only our words can hold an enabler,
      // and its clear there succeeds.
      return o.addr === "word" || o.addr === "word+4"
        ? new Set(["ENOENT", "ok 0"])
        : new Set(["ENOENT"]);
    }
    case "del": {
      // strndup_user (U:2587; §9 DIAG_IOCSDEL).
      const nameErr = nameReadErrno(o.name);
      if (nameErr) return new Set([nameErr]);
      // A pool name may exist and be busy; nothing else is ever created.
      return o.name === "pool" ? new Set(["ok 0", "ENOENT", "EBUSY"]) : new Set(["ENOENT"]);
    }
    case "write": {
      // Bad buffer at import, or fewer than 4 bytes: EFAULT (U:2390-2391, U:2293-2294).
      if (o.nullBuf || o.length < 4) return new Set(["EFAULT"]);
      // index < 0: EINVAL (U:2296-2297).
      if (o.index < 0) return new Set(["EINVAL"]);
      // ENOENT past the table, EINVAL below min_size, EBADF untraced, or the count.
      return new Set(["ENOENT", "EINVAL", "EBADF", `ok ${o.length}`]);
    }
    case "ioctl":
      // Any other command: ENOTTY (U:2725).
      return new Set(["ENOTTY"]);
  }
}

/** Whether the kernel's answer `got` is one `allowed` holds. */
export function permitted(allowed: Allowed, got: SysResult<number>): boolean {
  return allowed.has(showResult(got)) || (got.ok && allowed.has("ok"));
}

function addrOffset(a: AddrKind): number {
  switch (a) {
    case "word+4":
      return 4;
    case "misaligned":
      return 2;
    default:
      return 0;
  }
}

/** A raw operation as repro.txt shows it (no addresses, no name bytes). */
export function showRawOp(o: RawOp): string {
  switch (o.op) {
    case "reg":
      return `raw_reg(size ${o.size}${o.tail ? " +tail" : ""}${
        o.structFault ? ", struct NULL" : ""
      }, flags ${o.flags}, enable_size ${o.enableSize}, bit ${o.bit}, addr ${o.addr}, name ${o.name} f${o.pool})`;
    case "unreg":
      return `raw_unreg(size ${o.size}${o.tail ? " +tail" : ""}${
        o.structFault ? ", struct NULL" : ""
      }, reserved ${o.reserved}/${o.reserved2}, bit ${o.bit}, addr ${o.addr})`;
    case "del":
      return `raw_del(name ${o.name} f${o.pool})`;
    case "write":
      return `raw_write(${o.length} bytes${o.nullBuf ? " at NULL" : ""}, index ${o.index})`;
    case "ioctl":
      return `raw_ioctl(nr ${o.nr})`;
  }
}

/**
 * The title of a raw-campaign violation: the op kind, the answer (counts
 * past 1 as N), and the rule.
 *
 * @example
 * ```ts
 * import { rawTitle } from "./raw.ts";
 * if (rawTitle("raw_reg(size 4097, …)", "ok 0") !== "fuzz raw: raw_reg returned ok 0, outside NOTES.md's errno table") {
 *   throw new Error();
 * }
 * ```
 */
export function rawTitle(op: string, got: string): string {
  const kind = op.slice(0, Math.max(0, op.indexOf("(")));
  return `fuzz raw: ${kind} returned ${
    got.replace(/\bok ([2-9]|\d{2,})\b/g, "ok N")
  }, outside NOTES.md's errno table`;
}

/** The kernel answered what NOTES.md's errno table does not allow. */
export class RawViolation extends CaseFailure {
  constructor(op: string, got: string, allowed: Allowed) {
    super(`${op} returned ${got}, allowed: ${[...allowed].join(", ")}`, {
      title: rawTitle(op, got),
      breaks: "invariant: every raw call answers an errno NOTES.md allows for its arguments",
      failingOps: [`${op}  # ${got}, allowed ${[...allowed].join(" | ")}`],
    });
    this.name = "RawViolation";
  }
}

/** What a raw case runs against: a file, the case's enable word, and addresses. */
export interface RawTarget {
  readonly file: UserEventsFile;
  /** Address of the case's 8-byte enable word. */
  readonly word: bigint;
  /** An address in user space that is never mapped (below mmap_min_addr). */
  readonly unmapped: bigint;
}

/** A kernel address: passes no access_ok. */
const KERNEL_ADDR = 0xffff_ffff_8100_0000n;

function addressOf(t: RawTarget, a: AddrKind): bigint {
  switch (a) {
    case "word":
      return t.word;
    case "word+4":
      return t.word + 4n;
    case "misaligned":
      return t.word + 2n;
    case "null":
      return 0n;
    case "unmapped":
      return t.unmapped;
    case "kernel":
      return KERNEL_ADDR;
  }
}

/** Calls `fn` with the name argument in memory as the kernel must read it. */
function withName<T>(n: NameKind, pool: number, fn: (arg: string | bigint) => T): T {
  const name = POOL[pool]!;
  switch (n) {
    case "pool":
      return fn(name);
    case "pool fields":
      return fn(`${name} u32 a`);
    case "bad fields":
      return fn(`${name} u32`);
    case "colon":
      return fn(`${name}:x`);
    case "null":
      return fn(0n);
    case "kernel":
      return fn(KERNEL_ADDR);
    case "oversize":
      return fn(name + "a".repeat(MAX_EVENT_DESC));
    case "unterminated": {
      using g = new GuardedBytes(new TextEncoder().encode(name + "_unterminated"));
      return fn(g.address);
    }
  }
}

/** Runs one raw operation; throws a {@linkcode RawViolation} when the answer is not allowed. */
export function runRawOp(t: RawTarget, o: RawOp): void {
  const got = callRaw(t, o);
  const allowed = allowedRaw(o);
  if (!permitted(allowed, got)) throw new RawViolation(showRawOp(o), showResult(got), allowed);
}

function callRaw(t: RawTarget, o: RawOp): SysResult<number> {
  const f = t.file;
  switch (o.op) {
    case "reg":
      if (o.structFault) return f.ioctl(DIAG_IOCSREG, 0n);
      return withName(o.name, o.pool, (n) => {
        const name = typeof n === "string" ? cString(n) : n;
        const base = encodeUserReg({
          enableBit: o.bit,
          enableSize: o.enableSize,
          flags: o.flags,
          enableAddr: addressOf(t, o.addr),
          nameArgs: memAddress(name),
        });
        const r = f.ioctl(DIAG_IOCSREG, withSize(base, o.size, o.tail));
        void name; // kept alive across the call
        return r;
      });
    case "unreg": {
      if (o.structFault) return f.ioctl(DIAG_IOCSUNREG, 0n);
      const base = encodeUserUnreg({
        disableBit: o.bit,
        reserved: o.reserved,
        reserved2: o.reserved2,
        disableAddr: addressOf(t, o.addr),
      });
      return f.ioctl(DIAG_IOCSUNREG, withSize(base, o.size, o.tail));
    }
    case "del":
      return withName(o.name, o.pool, (n) => f.delete(n));
    case "write":
      // A NULL buffer of 8 bytes fails at import (U:2390-2391).
      if (o.nullBuf) return sysWrite(f.fd, 0n, 8);
      if (o.length < 4) return f.writeRaw(new Uint8Array(o.length));
      return f.write(o.index, new Uint8Array(o.length - 4));
    case "ioctl":
      return f.ioctl(iow(DIAG_IOC_MAGIC, o.nr, 8), 0n);
  }
}

/**
 * The encoded struct with its `size` field set to `size`, extended with a
 * zero tail (its last byte 1 when `dirty`) when `size` is larger and at
 * most a page; a larger `size` is refused before the copy (E2BIG), so the
 * buffer stays small.
 */
function withSize(base: Uint8Array, size: number, dirty: boolean): Uint8Array {
  const len = size > base.length && size <= RAW_PAGE ? size : base.length;
  const b = new Uint8Array(len);
  b.set(base);
  new DataView(b.buffer).setUint32(0, size >>> 0, true);
  if (dirty && len > base.length) b[len - 1] = 1;
  return b;
}
