/**
 * user_events' fault campaign (kernel profile `faults`): a short sequence of
 * well-formed calls in which one call runs with its N-th fault point failing
 * (a slab or page allocation, a user copy: /proc/thread-self/fail-nth, as
 * syzkaller injects faults). fast-check picks the sequence, the call and N,
 * and shrinks a failing case to the fewest calls and the smallest N.
 *
 * The oracle: the faulted call answers success or an errno it may answer
 * anyway, plus ENOMEM and EFAULT; the kernel logs no report (the engine
 * reads the console); and after the case unregisters, closes and deletes what
 * it made, no event stays and no enable bit of ours is left set. What a
 * failed allocation leaves half-made is what this looks for.
 *
 * @module
 */
import fc from "fast-check";
import { type CaseCampaign, CaseFailure } from "../../../fuzz/campaign.ts";
import { type Errno, fail, showResult, type SysResult } from "../../../harness/errno.ts";
import { FailNth, prepareFaultAttrs, withFault } from "../../../harness/faults/failnth.ts";
import { NR } from "../../../harness/rawsys.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { TRACEFS_ROOT, USER_EVENTS_SYSTEM } from "../abi.ts";
import { dynCreate, dynDelete, EnableWord, UserEventsFile } from "../client.ts";
import { commandName } from "./titles.ts";
import { deleteSettled, ensureClean, StateLeak } from "./real.ts";

/** The names a fault case uses. */
export const FAULT_NAMES = ["fi0", "fi1"] as const;
const FIELDS = ["u32 a", "", "char[20] s; u64 b"] as const;

/** One well-formed call of a fault case. */
export type FaultOp =
  | { readonly op: "open"; readonly h: number }
  | {
    readonly op: "register";
    readonly h: number;
    readonly name: number;
    readonly fields: number;
    readonly word: number;
    readonly bit: number;
    readonly size: 4 | 8;
  }
  | { readonly op: "unregister"; readonly h: number; readonly word: number; readonly bit: number }
  | { readonly op: "write"; readonly h: number }
  | { readonly op: "trace"; readonly name: number; readonly on: boolean }
  | { readonly op: "dyn_create"; readonly name: number; readonly fields: number }
  | { readonly op: "dyn_delete"; readonly name: number }
  | { readonly op: "delete"; readonly h: number; readonly name: number }
  | { readonly op: "close"; readonly h: number };

/** A case: its calls, which one is faulted, and at which fault point. */
export interface FaultCase {
  readonly ops: readonly FaultOp[];
  readonly at: number;
  readonly nth: number;
}

const h = fc.integer({ min: 0, max: 1 });
const name = fc.integer({ min: 0, max: FAULT_NAMES.length - 1 });
const word = fc.integer({ min: 0, max: 1 });
const bit = fc.integer({ min: 0, max: 3 });

/** A call (arbitrary). */
export const faultOp: fc.Arbitrary<FaultOp> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constant("open" as const), h }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("register" as const),
      h,
      name,
      fields: fc.integer({ min: 0, max: FIELDS.length - 1 }),
      word,
      bit,
      size: fc.constantFrom(4 as const, 8 as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("unregister" as const), h, word, bit }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("write" as const), h }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("trace" as const), name, on: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("dyn_create" as const),
      name,
      fields: fc.integer({ min: 0, max: FIELDS.length - 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("dyn_delete" as const), name }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), h, name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("close" as const), h }) },
);

/** The system call a faulted op arms, or null for one that makes none through FFI (pure). */
export function armedCall(o: FaultOp): number | null {
  switch (o.op) {
    case "open":
      return NR.open;
    case "register":
    case "unregister":
    case "delete":
      return NR.ioctl;
    case "write":
      return NR.writev;
    case "dyn_create":
    case "dyn_delete":
      return NR.write;
    case "close":
      return NR.close;
    case "trace":
      return null;
  }
}

/**
 * What each call may answer with nothing failing (NOTES.md's errno tables,
 * for these well-formed arguments); a faulted call may also answer ENOMEM
 * or EFAULT.
 */
export const NORMAL_ERRNOS: Readonly<Record<FaultOp["op"], readonly Errno[]>> = {
  open: [],
  // EADDRINUSE: addr+bit taken, or the name lives with other fields.
  register: ["EADDRINUSE", "EBADF"],
  unregister: ["ENOENT", "EBADF"],
  // EBADF: not enabled; ENOENT: nothing registered on this fd at that index.
  write: ["EBADF", "ENOENT"],
  trace: ["ENOENT"],
  dyn_create: ["EADDRINUSE", "EBUSY"],
  dyn_delete: ["ENOENT", "EBUSY"],
  delete: ["ENOENT", "EBUSY", "EBADF"],
  close: ["EBADF"],
};

/** The errnos a faulted call may answer (pure). */
export function faultAllowed(op: FaultOp["op"]): readonly Errno[] {
  return [...NORMAL_ERRNOS[op], "ENOMEM", "EFAULT"];
}

/** A call as the operation log shows it (pure). */
export function showFaultOp(o: FaultOp): string {
  switch (o.op) {
    case "open":
      return `open(h${o.h})`;
    case "register":
      return `register(h${o.h}, "${
        nameArgs(o.name, o.fields)
      }", w${o.word}, size ${o.size}, bit ${o.bit})`;
    case "unregister":
      return `unregister(h${o.h}, w${o.word}, bit ${o.bit})`;
    case "write":
      return `write(h${o.h})`;
    case "trace":
      return `trace("${FAULT_NAMES[o.name]}", ${o.on ? "on" : "off"})`;
    case "dyn_create":
      return `dyn_create("${nameArgs(o.name, o.fields)}")`;
    case "dyn_delete":
      return `dyn_delete("${FAULT_NAMES[o.name]}")`;
    case "delete":
      return `delete(h${o.h}, "${FAULT_NAMES[o.name]}")`;
    case "close":
      return `close(h${o.h})`;
  }
}

function nameArgs(n: number, f: number): string {
  return `${FAULT_NAMES[n]}${FIELDS[f] ? ` ${FIELDS[f]}` : ""}`;
}

const FAULT_INVARIANT = "invariant: a call whose allocation or user copy fails answers an errno " +
  "it may answer (or ENOMEM, EFAULT) and leaves nothing behind once its caller cleans up";

/** The finding of a faulted call that answered what it may not (pure); null when allowed. */
export function faultedAnswer(o: FaultOp, r: SysResult<number>, nth: number): CaseFailure | null {
  if (r.ok || faultAllowed(o.op).includes(r.errno)) return null;
  return new CaseFailure(
    `${showFaultOp(o)} with fault point ${nth} failing returned ${showResult(r)}; allowed: ok, ${
      faultAllowed(o.op).join(", ")
    }`,
    {
      title: `fuzz faults: ${o.op} returned ${r.errno} when an allocation or copy failed`,
      breaks: FAULT_INVARIANT,
    },
  );
}

/** The state of one fault case. */
class FaultTarget {
  readonly files: (UserEventsFile | null)[] = [null, null];
  readonly index: (number | null)[] = [null, null];
  readonly words = [new EnableWord(), new EnableWord()];
  readonly tracefs = new Tracefs(USER_EVENTS_SYSTEM, TRACEFS_ROOT);

  run(o: FaultOp): SysResult<number> {
    switch (o.op) {
      case "open": {
        if (this.files[o.h]) return { ok: true, value: 0 };
        const r = UserEventsFile.open();
        if (!r.ok) return r;
        this.files[o.h] = r.value;
        this.index[o.h] = null;
        return { ok: true, value: r.value.fd };
      }
      case "register": {
        const r = this.on(o.h, (f) =>
          f.register({
            nameArgs: nameArgs(o.name, o.fields),
            enableAddr: this.words[o.word]!,
            enableBit: o.bit,
            enableSize: o.size,
          }));
        if (r.ok) this.index[o.h] = r.value;
        return r;
      }
      case "unregister":
        return this.on(o.h, (f) => f.unregister(this.words[o.word]!, o.bit));
      case "write":
        return this.on(o.h, (f) => f.writev(this.index[o.h] ?? 0, new Uint8Array(8).fill(0x5a)));
      case "trace":
        return this.tracefs.setEnabled(FAULT_NAMES[o.name]!, o.on);
      case "dyn_create":
        return dynCreate(nameArgs(o.name, o.fields));
      case "dyn_delete":
        return dynDelete(FAULT_NAMES[o.name]!);
      case "delete":
        return this.on(o.h, (f) => f.delete(FAULT_NAMES[o.name]!));
      case "close": {
        const f = this.files[o.h];
        this.files[o.h] = null;
        return f ? f.close() : { ok: true, value: 0 };
      }
    }
  }

  /** `fn` on the file of slot `hh`; a closed slot answers EBADF, as a closed fd would. */
  on(hh: number, fn: (f: UserEventsFile) => SysResult<number>): SysResult<number> {
    const f = this.files[hh];
    return f ? fn(f) : fail("EBADF");
  }

  /**
   * Unregisters every (word, bit) a case could have used, closes the files,
   * stops tracing and deletes the names (EBUSY retried: the last put is
   * deferred); returns what stays.
   */
  cleanUp(): StateLeak | null {
    using ctl = UserEventsFile.openOrThrow();
    for (const w of this.words) {
      for (let b = 0; b < 4; b++) ctl.unregister(w, b);
    }
    for (const f of this.files) f?.close();
    for (const n of FAULT_NAMES) this.tracefs.setEnabled(n, false);
    for (const n of FAULT_NAMES) deleteSettled(ctl, n);
    const left = this.tracefs.events().filter((e) =>
      (FAULT_NAMES as readonly string[]).includes(e)
    );
    if (left.length) return new StateLeak("an event stays after a failed call", left.join(", "));
    const set = this.words.map((w) => w.read64()).filter((v) => v !== 0n);
    if (set.length) {
      return new StateLeak(
        "an enable bit stays set after unregister",
        set.map((v) => `0x${v.toString(16)}`).join(", "),
      );
    }
    return null;
  }
}

/** The fault campaign (see the module comment). */
export class FaultCampaign implements CaseCampaign<FaultCase> {
  readonly kind = "cases";
  readonly name = "faults";
  #fail: FailNth | null = null;

  arbitrary(o: { maxCommands: number }): fc.Arbitrary<FaultCase> {
    const max = Math.max(1, Math.min(o.maxCommands, 8));
    return fc.array(faultOp, { minLength: 1, maxLength: max }).chain((ops) =>
      fc.record({
        ops: fc.constant(ops),
        at: fc.integer({ min: 0, max: ops.length - 1 }),
        // Most calls reach a few fault points; a larger N mostly runs the call clean.
        nth: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }) },
          { weight: 1, arbitrary: fc.integer({ min: 9, max: 64 }) },
        ),
      })
    );
  }

  run(c: FaultCase, log: string[]): void {
    if (!this.#fail) {
      prepareFaultAttrs();
      const f = FailNth.open();
      if (!f.ok) throw new Error(`Cannot open /proc/thread-self/fail-nth: ${f.errno}`);
      this.#fail = f.value;
    }
    ensureClean();
    const t = new FaultTarget();
    let failure: unknown = null;
    try {
      c.ops.forEach((o, i) => {
        const nr = armedCall(o);
        if (i !== c.at || nr === null) {
          const r = t.run(o);
          log.push(`${showFaultOp(o)}  # ${showResult(r)}`);
          return;
        }
        const out = withFault(this.#fail!, nr, c.nth, () => t.run(o));
        log.push(
          `${showFaultOp(o)}  # ${showResult(out.value)}, fault point ${c.nth} ${
            out.injected ? "failed" : out.called ? "not reached" : "not armed"
          }`,
        );
        if (out.injected) {
          const bad = faultedAnswer(o, out.value, c.nth);
          if (bad) throw bad;
        }
      });
    } catch (e) {
      failure = e;
    }
    const leak = t.cleanUp();
    if (leak) throw failure ? leak.alsoFailed(failure) : leak;
    if (failure) throw failure;
  }

  opName(line: string): string {
    return commandName(line);
  }
}
