/**
 * Name arguments of DIAG_IOCSREG / DIAG_IOCSDEL as fuzz input: mostly a small
 * pool (so names collide, events are shared and deleted), sometimes hostile
 * bytes, unterminated strings or a bad pointer.
 *
 * @module
 */
import fc from "fast-check";
import type { NameArg } from "../model.ts";
import { GuardedBytes, type Mem } from "../../../../harness/syscall.ts";

/** The pool of event names a case uses; tracers only ever use these. */
export const POOL = ["f0", "f1", "f2", "f3"] as const;

/** One name argument. */
export type NameChoice =
  | { readonly kind: "pool"; readonly i: number }
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "unterminated"; readonly bytes: Uint8Array }
  | { readonly kind: "fault" };

/** Generator: pool names first, then the odd ones. */
export const nameChoice: fc.Arbitrary<NameChoice> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(POOL.length - 1).map((i) => ({ kind: "pool" as const, i })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ minLength: 0, maxLength: 100 }).map((bytes) => ({
      kind: "bytes" as const,
      bytes,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "a/b", "..", "x y", "%s", "f0_", "A".repeat(95), "B".repeat(96))
      .map((s) => ({ kind: "bytes" as const, bytes: new TextEncoder().encode(s) })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 120 }).map((bytes) => ({
      kind: "unterminated" as const,
      bytes: bytes.map((b) => b || 0x61),
    })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "fault" as const }) },
);

/** The model's view of a name argument. */
export function toModelName(c: NameChoice): NameArg {
  switch (c.kind) {
    case "pool":
      return POOL[c.i]!;
    case "bytes":
      return { bytes: c.bytes, terminated: true };
    case "unterminated":
      return { bytes: c.bytes, terminated: false };
    case "fault":
      return { fault: true };
  }
}

/** Calls `fn` with the name in user memory as the kernel must read it. */
export function withRealName<T>(c: NameChoice, fn: (mem: Mem) => T): T {
  switch (c.kind) {
    case "pool":
      return fn(cBytes(new TextEncoder().encode(POOL[c.i]!)));
    case "bytes":
      return fn(cBytes(c.bytes));
    case "unterminated": {
      using g = new GuardedBytes(c.bytes);
      return fn(g.address);
    }
    case "fault":
      return fn(0n);
  }
}

function cBytes(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** How a name prints in a command: `"f0"`, `bytes(61,2f,62)`, `unterminated(…)`, `NULL`. */
export function showName(c: NameChoice): string {
  const hex = (b: Uint8Array) =>
    b.length > 16 ? `${b.length} bytes` : [...b].map((x) => x.toString(16)).join(",");
  switch (c.kind) {
    case "pool":
      return JSON.stringify(POOL[c.i]);
    case "bytes": {
      const s = new TextDecoder("utf-8", { fatal: false }).decode(c.bytes);
      return /^[\x20-\x7e]*$/.test(s) && s.length <= 40
        ? JSON.stringify(s)
        : `bytes(${hex(c.bytes)})`;
    }
    case "unterminated":
      return `unterminated(${hex(c.bytes)})`;
    case "fault":
      return "NULL";
  }
}
