/**
 * The real system the model-based commands drive: `user_events_data` files
 * keyed by the model's handles, the case's enable words in pages of its own,
 * tracefs, and the checks every command ends with (the enable words against
 * the model, and the bounded waits for what the kernel does asynchronously).
 *
 * @module
 */
import { showResult, type SysResult } from "../../../harness/errno.ts";
import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "../../../harness/libc.ts";
import { pageSize, peek, poke, sysMmap, sysMprotect, sysMunmap } from "../../../harness/syscall.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { pollSync } from "../../../harness/poll.ts";
import {
  DirtyTargetError,
  Mismatch as MismatchBase,
  StateLeak as LeakBase,
} from "../../../fuzz/campaign.ts";
import { TRACEFS_ROOT, USER_EVENTS_MULTI_SYSTEM, USER_EVENTS_SYSTEM } from "../abi.ts";
import { dynCreate, dynDelete, UserEventsFile } from "../client.ts";
import {
  memBit,
  pageOf,
  PAGES,
  type PageState,
  type UserEventsModel,
  WORDS,
  WORDS_PER_PAGE,
} from "./model.ts";
import { commandName, mismatchTitle, wordTitle } from "./titles.ts";

/** `MAP_FIXED_NOREPLACE` of uapi `asm-generic/mman-common.h`: remap our own hole, never another mapping. */
const MAP_FIXED_NOREPLACE = 0x100000;

/** How long a bounded wait for an asynchronous kernel step lasts (the fixture's 3 s). */
export const SETTLE_MS = 3000;

/** The pool of event names a case uses. */
export const POOL = ["f0", "f1", "f2", "f3"] as const;

/**
 * DIAG_IOCSDEL of `name` on `ctl`, EBUSY retried for {@linkcode SETTLE_MS}
 * (auto-delete and the RCU-deferred put are asynchronous); the last answer.
 */
export function deleteSettled(ctl: UserEventsFile, name: string): SysResult<number> {
  let r: SysResult<number> = ctl.delete(name);
  if (!r.ok && r.errno === "EBUSY") {
    pollSync(() => {
      r = ctl.delete(name);
      return r.ok || r.errno !== "EBUSY";
    }, SETTLE_MS);
  }
  return r;
}

/** A kernel answer that differs from the model's: the campaign's finding. */
export class Mismatch extends MismatchBase {
  /** `title`: when the answers carry data that varies per case (see titles.ts). */
  constructor(op: string, got: string, want: string, title?: string) {
    super(op, got, want, {
      title: title ?? mismatchTitle(op, got, want),
      breaks:
        "invariant: the kernel's answers and enable words equal the reference model's (abi/user_events/fuzz/model.ts, NOTES.md)",
    });
  }
}

/** Throws a {@linkcode Mismatch} unless the kernel's answer is the model's. */
export function agree(op: string, got: SysResult<unknown>, want: SysResult<unknown>): void {
  const g = showResult(got);
  const w = showResult(want);
  if (g !== w) throw new Mismatch(op, g, w);
}

/** tracefs answers a byte count; the model says ok(0). */
export function byteCountAsZero(r: SysResult<number>): SysResult<number> {
  return r.ok ? { ok: true, value: 0 } : r;
}

/**
 * A case ended and something of it stays: tracefs still lists one of its
 * names after every file closed, every enabler was unregistered and every
 * name deleted (with EBUSY retried for {@linkcode SETTLE_MS}). Later cases
 * would start on state the model does not know: the case is the finding.
 */
export class StateLeak extends LeakBase {
  constructor(kind: string, detail: string, options?: ErrorOptions) {
    super(
      kind,
      detail,
      "invariant: a case that unregisters, closes and deletes what it made leaves user_events as it found it",
      options,
    );
  }
}

/**
 * Deletes leftover user events (disabling them first, EBUSY retried for
 * {@linkcode SETTLE_MS}); throws {@linkcode DirtyTargetError} when some stay:
 * a case starts on a target with no user event at all.
 */
export function ensureClean(): void {
  const single = new Tracefs(USER_EVENTS_SYSTEM, TRACEFS_ROOT);
  const multi = new Tracefs(USER_EVENTS_MULTI_SYSTEM, TRACEFS_ROOT);
  const listed = () => [...single.events(), ...multi.events()];
  if (listed().length === 0) return;
  using f = UserEventsFile.openOrThrow();
  for (const n of single.events()) {
    single.setEnabled(n, false);
    deleteSettled(f, n);
  }
  const left = listed();
  if (left.length) throw new DirtyTargetError(`events ${left.join(", ")} remain after cleanup`);
}

/** Files, enable-word pages and tracefs for one model case. */
export class RealUserEvents {
  readonly tracefs = new Tracefs(USER_EVENTS_SYSTEM, TRACEFS_ROOT);
  readonly files = new Map<number, UserEventsFile>();
  /** Every command that ran to its end, in order: the case's operation log. */
  readonly log: string[] = [];
  readonly #page = pageSize();
  readonly #base: bigint;
  readonly #pages: PageState[] = Array.from({ length: PAGES }, () => "rw" as PageState);
  #disposed = false;

  /** Maps the pages of the enable words and writes each word's initial value. */
  constructor(initial: readonly bigint[]) {
    const m = sysMmap(PAGES * this.#page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    if (!m.ok) throw new Error(`Cannot map the enable-word pages: ${m.errno}`);
    this.#base = m.value.address;
    // Written now, so each page is present and writable before any register:
    // the kernel's FOLL_NOFAULT write then never needs its async fault path.
    for (let w = 0; w < WORDS; w++) this.#store(w, initial[w] ?? 0n);
  }

  /** The address of word `w` at byte `offset`. */
  address(word: number, offset = 0): bigint {
    const p = pageOf(word);
    return this.#base + BigInt(p * this.#page + (word % WORDS_PER_PAGE) * 8 + offset);
  }

  /** The file of model handle `h`. */
  file(h: number): UserEventsFile {
    const f = this.files.get(h);
    if (!f) throw new Error(`No file for handle ${h}`);
    return f;
  }

  /** Any open file (DIAG_IOCSDEL and DIAG_IOCSUNREG do not care which). */
  anyFile(): UserEventsFile {
    const f = this.files.values().next().value;
    if (!f) throw new Error("No open file");
    return f;
  }

  /** `u:NAME [FIELDS]` into dynamic_events, a byte count as ok(0). */
  dynCreate(nameArgs: string): SysResult<number> {
    return byteCountAsZero(dynCreate(nameArgs));
  }

  /** `!u:NAME [FIELDS]` into dynamic_events, a byte count as ok(0). */
  dynDelete(nameArgs: string): SysResult<number> {
    return byteCountAsZero(dynDelete(nameArgs));
  }

  /** Opens a file for model handle `h`. */
  open(h: number): SysResult<number> {
    const r = UserEventsFile.open();
    if (!r.ok) return r;
    this.files.set(h, r.value);
    return { ok: true, value: h };
  }

  /**
   * Waits (bounded) for the auto-delete of `names` (a work item, U:265-338):
   * the model dropped them at once. Throws a {@linkcode Mismatch} for a name
   * tracefs still lists after {@linkcode SETTLE_MS}.
   */
  settle(names: readonly string[], after: string): void {
    for (const n of names) {
      if (!pollSync(() => !this.tracefs.hasEvent(n), SETTLE_MS)) {
        throw new Mismatch(
          `auto-delete after ${after}`,
          "event still listed",
          "event gone",
          `fuzz: event not auto-deleted after its last reference (${commandName(after)})`,
        );
      }
    }
  }

  /** Every command ends here: waits out the model's dying events, then compares the words. */
  finish(m: UserEventsModel, after: string): void {
    this.settle(m.takeDying(), after);
    this.checkWords(m, after);
  }

  /**
   * Compares every readable enable word with the model's: the bits the model
   * predicts must match exactly; the bits it cannot predict (faulting
   * enablers) are skipped. Every command ends with it.
   */
  checkWords(m: UserEventsModel, after: string): void {
    this.log.push(after);
    for (let w = 0; w < WORDS; w++) {
      const state = this.#pages[pageOf(w)]!;
      if (state !== "rw" && state !== "ro") continue; // PROT_NONE and holes cannot be read
      const got = this.#load(w);
      const want = m.word(w);
      const diff = (got ^ want) & ~m.unknownMask(w) & ((1n << 64n) - 1n);
      if (diff === 0n) continue;
      const bit = bitLength(diff & -diff) - 1;
      const isEnabler = m.enablers().some((e) => e.word === w && memBit(e) === bit);
      const set = ((got >> BigInt(bit)) & 1n) === 1n;
      const what = `${isEnabler ? "enabler" : "other"} bit ${set ? "set" : "clear"}, expected ${
        set ? "clear" : "set"
      }`;
      throw new Mismatch(
        `enable word ${w} bit ${bit} after ${after}`,
        set ? "set" : "clear",
        set ? "clear" : "set",
        wordTitle(after, what),
      );
    }
  }

  /** Maps page `p` as `to` (the model's {@linkcode UserEventsModel.protect}). */
  protect(p: number, to: PageState): void {
    const from = this.#pages[p]!;
    const addr = this.#base + BigInt(p * this.#page);
    const must = (r: SysResult<unknown>, what: string) => {
      if (!r.ok) throw new Error(`Cannot ${what} an enable-word page: ${r.errno}`);
    };
    if (from === to) return;
    if (to === "unmapped") {
      // A real hole: while it lasts, a state change of an enabler there makes
      // the kernel try to write into whatever is mapped at the address. Only
      // this case maps pages this small here, and the remap below uses
      // MAP_FIXED_NOREPLACE, so a hole someone else took fails loudly.
      must(sysMunmap(addr, this.#page), "munmap");
    } else {
      if (from === "unmapped") {
        // The hole is ours; NOREPLACE fails rather than clobber a mapping
        // someone else made there meanwhile.
        const r = sysMmap(
          this.#page,
          PROT_READ | PROT_WRITE,
          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
          -1,
          0,
          addr,
        );
        must(r, "remap");
        if (r.ok && r.value.address !== addr) {
          throw new Error("Enable-word page remapped elsewhere");
        }
      } else {
        must(sysMprotect(addr, this.#page, PROT_READ | PROT_WRITE), "mprotect");
      }
      // Fault every word in writable (a read-modify-write): the kernel's
      // FOLL_NOFAULT pin then succeeds and its writes stay synchronous.
      for (let w = p * WORDS_PER_PAGE; w < (p + 1) * WORDS_PER_PAGE; w++) {
        this.#store(w, this.#load(w));
      }
      if (to === "ro") must(sysMprotect(addr, this.#page, PROT_READ), "mprotect");
      if (to === "none") must(sysMprotect(addr, this.#page, PROT_NONE), "mprotect");
    }
    this.#pages[p] = to;
  }

  /**
   * Unwinds everything the case made (traces off, every (address, bit) of
   * its words unregistered, files closed, pool names deleted with EBUSY
   * retried), then says what stays: null, or a {@linkcode StateLeak}.
   */
  dispose(): StateLeak | null {
    if (this.#disposed) return null;
    this.#disposed = true;
    for (const n of POOL) this.tracefs.setEnabled(n, false);
    using ctl = UserEventsFile.openOrThrow();
    // Every (address, bit) the case could have registered, whatever the
    // model believes (it may be wrong when the case failed).
    for (let w = 0; w < WORDS; w++) {
      for (const off of [0, 4]) {
        for (let bit = 0; bit < 64; bit++) ctl.unregister(this.address(w, off), bit);
      }
    }
    for (const f of this.files.values()) f.close();
    this.files.clear();
    for (const n of POOL) deleteSettled(ctl, n);
    // No enabler is left on the pages (unregistered above): they can go.
    for (let p = 0; p < PAGES; p++) {
      if (this.#pages[p] !== "unmapped") {
        sysMunmap(this.#base + BigInt(p * this.#page), this.#page);
      }
    }
    const left = POOL.filter((n) => this.tracefs.hasEvent(n));
    if (left.length) {
      return new StateLeak("an event stays that delete cannot remove", left.join(", "));
    }
    return null;
  }

  #load(w: number): bigint {
    const b = peek(this.address(w), 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }

  #store(w: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    poke(this.address(w), b);
  }
}

function bitLength(v: bigint): number {
  return v.toString(2).length;
}
