/**
 * user_events (Linux 6.12.117) as a pure state machine: the model campaign's
 * oracle. Every rule cites NOTES.md's short names (`U:n` is a line of
 * `kernel/trace/trace_events_user.c`, `D:n` of `user_events.rst`, `H:n` of
 * the uapi header) and the NOTES.md section it comes from.
 *
 * What it holds: the case's `user_events_data` files and their write-index
 * tables, the events of the pool names with their references, the enablers
 * of our own mm, and the enable words of the case's own memory (their pages
 * mapped read-write, read-only, `PROT_NONE` or unmapped).
 *
 * The kernel does some things asynchronously; the model never promises them:
 *
 * - **auto-delete** of a non-persistent event runs in a work item after its
 *   last reference goes (U:265-338, NOTES.md §9). The model drops the event
 *   at once and lists its name in {@linkcode UserEventsModel.takeDying}: the
 *   real side polls tracefs (bounded) until the directory goes before the
 *   next command, as the conformance fixture does;
 * - **enabler put after an RCU grace period** (the 6.12.117 backport,
 *   `user_event_enabler_destroy` → `queue_rcu_work`): after an unregister the
 *   event keeps that reference for a while, so a delete of a persistent event
 *   may answer `EBUSY`. The event is marked `putPending`; the real side then
 *   retries the delete (bounded) while it answers `EBUSY`;
 * - **faulting enablers**: a state change that cannot write the bit (page not
 *   writable) queues a fault-in worker (U:518-548, U:468-516) and marks the
 *   enabler FAULTING; while it is, updates are skipped (U:570-572), and the
 *   worker may write the bit later. The model marks such an enabler
 *   `faulting` for good and never checks its bit (`unknownMask`); an
 *   unregister of it leaves it on the mm list until the worker runs
 *   (U:2690-2698), so a later register of the same address and bit may
 *   answer `EADDRINUSE` and a later unregister `0` ({@linkcode UserEventsModel.lingers}).
 *
 * Scope: single-format events only (no MULTI_FORMAT), names and field lists
 * from small pools that always parse, root (PERSIST allowed), no allocation
 * failures (with fault injection the model is no oracle); arguments outside
 * a method's domain throw `RangeError` (a harness bug).
 *
 * @example
 * ```ts
 * import { UserEventsModel } from "./model.ts";
 * const m = new UserEventsModel();
 * const fd = m.open();
 * const r = m.register({ fd, name: "f0", fields: 1, size: 4, bit: 3, word: 0, offset: 0, persist: false });
 * if (!r.ok || r.value !== 0) throw new Error();
 * if (m.delete("f0").ok) throw new Error("held by the fd: EBUSY");
 * ```
 *
 * @module
 */
import { fail, ok, type SysResult } from "../../../harness/errno.ts";

/** The field lists a case registers (index 0: no fields), as `name_args` after the name. */
export const FIELD_POOL = ["", "u32 a", "u64 a", "u32 a; u32 b"] as const;

/** The payload size each field list needs: the sum of its field sizes (U:1192, NOTES.md §6). */
export const MIN_SIZE: readonly number[] = [0, 4, 8, 8];

/** Pages of enable words a case owns, and words per page (8 bytes apart). */
export const PAGES = 3;
/** Enable words per page. */
export const WORDS_PER_PAGE = 2;
/** Enable words in all. */
export const WORDS = PAGES * WORDS_PER_PAGE;

/** How a page of enable words is mapped. */
export type PageState = "rw" | "ro" | "none" | "unmapped";

/** The `name_args` of a pool name and field list. */
export function nameArgs(name: string, fields: number): string {
  const f = FIELD_POOL[fields];
  if (f === undefined) throw new RangeError(`No field list ${fields}`);
  return f === "" ? name : `${name} ${f}`;
}

/** The page that holds word `w`. */
export function pageOf(word: number): number {
  return Math.floor(word / WORDS_PER_PAGE);
}

/** One DIAG_IOCSREG as the model takes it: an fd, a pool name, and where the bit goes. */
export interface RegisterArgs {
  readonly fd: number;
  readonly name: string;
  /** Index into {@linkcode FIELD_POOL}. */
  readonly fields: number;
  /** `enable_size`. */
  readonly size: number;
  /** `enable_bit`. */
  readonly bit: number;
  /** Which enable word of the case. */
  readonly word: number;
  /** Byte offset in the word: 0, or 4 (a 32-bit word in the upper half). */
  readonly offset: number;
  /** `USER_EVENT_REG_PERSIST`. */
  readonly persist: boolean;
}

/** An event the model knows (single-format, so keyed by its name). */
export interface ModelEvent {
  readonly name: string;
  readonly fields: number;
  readonly persist: boolean;
  /** Files whose write-index table holds it: one reference each (U:2401-2439). */
  readonly fds: Set<number>;
  /** Live enablers: one reference each (U:955-958). */
  enablers: number;
  /** An ftrace probe is attached: one reference (U:1804-1811). */
  traced: boolean;
  /** An enabler's reference is being put after a grace period: delete may be EBUSY for a while. */
  putPending: boolean;
}

/** An enabler of our mm: (address, bit) → event (U:893-958). */
export interface Enabler {
  readonly word: number;
  readonly offset: number;
  readonly size: number;
  readonly bit: number;
  readonly event: string;
  /** A write failed and a fault-in worker was queued: its bit is no longer predicted. */
  faulting: boolean;
}

const ALL = (1n << 64n) - 1n;

/** The reference model of user_events for one case. */
export class UserEventsModel {
  readonly #fds = new Map<number, string[]>();
  #nextFd = 1;
  readonly #events = new Map<string, ModelEvent>();
  readonly #enablers: Enabler[] = [];
  /** (word, offset, bit) of unregistered faulting enablers the worker may not have freed yet. */
  readonly #lingering = new Set<string>();
  readonly #dying: string[] = [];
  readonly #words: bigint[];
  readonly #unknown: bigint[];
  readonly #pages: PageState[];

  /** `initial`: each word's value before the case (default 0). */
  constructor(o: { readonly initial?: readonly bigint[] } = {}) {
    this.#words = Array.from({ length: WORDS }, (_, i) => BigInt.asUintN(64, o.initial?.[i] ?? 0n));
    this.#unknown = Array.from({ length: WORDS }, () => 0n);
    this.#pages = Array.from({ length: PAGES }, () => "rw" as PageState);
  }

  // --- queries -------------------------------------------------------------

  /** Open file handles, in opening order. */
  fds(): number[] {
    return [...this.#fds.keys()];
  }

  /** The events of handle `fd`'s write-index table, by index. */
  table(fd: number): readonly string[] {
    const t = this.#fds.get(fd);
    if (!t) throw new RangeError(`No open handle ${fd}`);
    return t;
  }

  /** The live events (tracefs lists exactly these once dying ones are gone). */
  events(): ReadonlyMap<string, Readonly<ModelEvent>> {
    return this.#events;
  }

  /** The enablers of our mm. */
  enablers(): readonly Readonly<Enabler>[] {
    return this.#enablers;
  }

  /** A page's mapping. */
  page(p: number): PageState {
    const s = this.#pages[p];
    if (s === undefined) throw new RangeError(`No page ${p}`);
    return s;
  }

  /** Word `w` as the model predicts it; only bits outside {@linkcode unknownMask} count. */
  word(w: number): bigint {
    const v = this.#words[w];
    if (v === undefined) throw new RangeError(`No word ${w}`);
    return v;
  }

  /** Bits of word `w` the model does not predict (faulting enablers, failed clears). */
  unknownMask(w: number): bigint {
    let m = this.#unknown[w] ?? 0n;
    for (const e of this.#enablers) if (e.word === w && e.faulting) m |= 1n << BigInt(memBit(e));
    return m;
  }

  /** Whether an unregistered faulting enabler may still sit on (word, offset, bit). */
  lingers(word: number, offset: number, bit: number): boolean {
    return this.#lingering.has(`${word}/${offset}/${bit}`);
  }

  /** Names whose auto-delete was scheduled since the last call (U:265-338): poll them away. */
  takeDying(): string[] {
    return this.#dying.splice(0);
  }

  /** References the event holds besides a persistent event's own (U:976-985). */
  refs(name: string): number {
    const e = this.#events.get(name);
    if (!e) return 0;
    return e.fds.size + e.enablers + (e.traced ? 1 : 0);
  }

  // --- files ---------------------------------------------------------------

  /** open(user_events_data): a new handle with an empty table (U:2365-2373). */
  open(): number {
    const fd = this.#nextFd++;
    this.#fds.set(fd, []);
    return fd;
  }

  /** close: each event of the table loses this file's reference, synchronously (U:2753-2793). */
  close(fd: number): SysResult<number> {
    const t = this.#fds.get(fd);
    if (!t) throw new RangeError(`No open handle ${fd}`);
    this.#fds.delete(fd);
    for (const name of new Set(t)) {
      const e = this.#events.get(name);
      if (!e) continue;
      e.fds.delete(fd);
      this.#maybeAutoDelete(e);
    }
    return ok(0);
  }

  // --- DIAG_IOCSREG --------------------------------------------------------

  /** DIAG_IOCSREG with the checks of NOTES.md §5, in the kernel's order. */
  register(a: RegisterArgs): SysResult<number> {
    const t = this.#fds.get(a.fd);
    if (!t) throw new RangeError(`No open handle ${a.fd}`);
    if (this.#words[a.word] === undefined) throw new RangeError(`No word ${a.word}`);
    if (a.offset !== 0 && a.offset !== 4) throw new RangeError(`Offset ${a.offset}`);
    if (a.fields < 0 || a.fields >= FIELD_POOL.length) throw new RangeError(`Fields ${a.fields}`);
    // §5.5: enable_size other than 4 or 8 is EINVAL (U:2467-2478).
    if (a.size !== 4 && a.size !== 8) return fail("EINVAL");
    // §5.6: enable_addr % enable_size != 0 is EINVAL (U:2481-2482).
    if (a.offset % a.size !== 0) return fail("EINVAL");
    // §5.7: enable_bit > enable_size*8-1 is EINVAL (U:2485-2486).
    if (a.bit < 0 || a.bit > a.size * 8 - 1) return fail("EINVAL");
    // §5.9: the same (enable_addr, enable_bit) already in this mm, for any
    // event and through any fd, is EADDRINUSE, before the name is read
    // (U:2523-2525, U:893-907). The mm list also holds an unregistered
    // faulting enabler until its worker frees it: the caller accepts
    // EADDRINUSE there (lingers()).
    if (this.#enablers.some((e) => e.word === a.word && e.offset === a.offset && e.bit === a.bit)) {
      return fail("EADDRINUSE");
    }
    // §5.11: an existing single-format event of that name is reused when its
    // fields match, EADDRINUSE otherwise (U:1562-1594). PERSIST on an
    // existing event changes nothing (U:2137-2160 returns the found event).
    let e = this.#events.get(a.name);
    if (e && e.fields !== a.fields) return fail("EADDRINUSE");
    if (!e) {
      e = {
        name: a.name,
        fields: a.fields,
        persist: a.persist,
        fds: new Set(),
        enablers: 0,
        traced: false,
        putPending: false,
      };
      this.#events.set(a.name, e);
    }
    // §5.12: the fd's table gets the event (or gives its existing index, with
    // no new reference) before the enabler exists (U:2411-2424).
    let index = t.indexOf(a.name);
    if (index < 0) {
      index = t.push(a.name) - 1;
      e.fds.add(a.fd);
    }
    // §5.13: an enable address that cannot be written (read-only, PROT_NONE,
    // unmapped) fails the enabler: ENOMEM, and the table entry stays
    // (U:2563-2566, U:937-969; NOTES.md §12).
    if (this.page(pageOf(a.word)) !== "rw") return fail("ENOMEM");
    const en: Enabler = {
      word: a.word,
      offset: a.offset,
      size: a.size,
      bit: a.bit,
      event: a.name,
      faulting: false,
    };
    this.#enablers.push(en);
    e.enablers++;
    // §5.14: the current state is written into the bit at once (U:941-945).
    this.#writeBit(en, e.traced);
    return ok(index);
  }

  // --- DIAG_IOCSUNREG ------------------------------------------------------

  /** DIAG_IOCSUNREG of (word+offset, bit), as §8 "Unregister" says (U:2662-2715). */
  unregister(word: number, offset: number, bit: number): SysResult<number> {
    if (this.#words[word] === undefined) throw new RangeError(`No word ${word}`);
    const match = this.#enablers.filter((e) =>
      e.word === word && e.offset === offset && e.bit === bit
    );
    // Nothing matches: ENOENT (U:2680).
    if (match.length === 0) return fail("ENOENT");
    for (const en of match) {
      this.#enablers.splice(this.#enablers.indexOf(en), 1);
      const e = this.#events.get(en.event)!;
      e.enablers--;
      // The event reference is put after an RCU grace period (6.12.117
      // user_event_enabler_destroy → queue_rcu_work); for a faulting
      // enabler only once its fault worker runs (U:2690-2698).
      e.putPending = true;
      if (en.faulting) this.#lingering.add(`${word}/${offset}/${bit}`);
      this.#maybeAutoDelete(e);
    }
    // The bit is then cleared whatever the event's state (U:2709-2712); the
    // clear faults in but cannot write a read-only or unmapped page: EFAULT,
    // the enabler already gone (U:2628-2657, NOTES.md §8).
    const mem = memBit(match[0]!);
    if (this.page(pageOf(word)) !== "rw") {
      this.#unknown[word]! |= 1n << BigInt(mem);
      return fail("EFAULT");
    }
    this.#setMem(word, mem, false);
    return ok(0);
  }

  // --- DIAG_IOCSDEL and dynamic_events ------------------------------------

  /** DIAG_IOCSDEL of `name` (U:2580-2600, U:2254-2279; NOTES.md §9). */
  delete(name: string): SysResult<number> {
    const e = this.#events.get(name);
    // No event of that name: ENOENT.
    if (!e) return fail("ENOENT");
    // A match that still has references: EBUSY (user_event_last_ref, U:976-985).
    if (this.refs(name) > 0) return fail("EBUSY");
    this.#events.delete(name);
    return ok(0);
  }

  /** `u:NAME [FIELDS]` into dynamic_events: a persistent event (U:1814-1853). */
  dynCreate(name: string, fields: number): SysResult<number> {
    const e = this.#events.get(name);
    // An identical event: success, nothing done; other fields: EADDRINUSE (NOTES.md §9).
    if (e) return e.fields === fields ? ok(0) : fail("EADDRINUSE");
    this.#events.set(name, {
      name,
      fields,
      persist: true,
      fds: new Set(),
      enablers: 0,
      traced: false,
      putPending: false,
    });
    return ok(0);
  }

  /** `!u:NAME [FIELDS]`: fields must match exactly, none matches only a field-less event (U:1963-1980). */
  dynDelete(name: string, fields: number): SysResult<number> {
    const e = this.#events.get(name);
    // No match: dyn_event_release's ENOENT (DE:72-124).
    if (!e || e.fields !== fields) return fail("ENOENT");
    // Busy: EBUSY (user_event_free, U:1892-1903).
    if (this.refs(name) > 0) return fail("EBUSY");
    this.#events.delete(name);
    return ok(0);
  }

  // --- tracefs enable ------------------------------------------------------

  /**
   * Writes 1 or 0 to events/user_events/NAME/enable: ENOENT without the
   * event; attaching the probe takes a reference and sets every enabler's
   * bit, detaching clears them and puts it (U:1716-1812, U:617-654, §8).
   */
  trace(name: string, on: boolean): SysResult<number> {
    const e = this.#events.get(name);
    if (!e) return fail("ENOENT");
    if (e.traced === on) return ok(0);
    e.traced = on;
    for (const en of this.#enablers) if (en.event === name) this.#writeBit(en, on);
    if (!on) this.#maybeAutoDelete(e);
    return ok(0);
  }

  // --- write ---------------------------------------------------------------

  /**
   * write/writev of index `index` and `payload` bytes on `fd` (NOTES.md §7,
   * U:2284-2399): the total byte count when recorded.
   */
  write(fd: number, index: number, payload: number): SysResult<number> {
    const t = this.#fds.get(fd);
    if (!t) throw new RangeError(`No open handle ${fd}`);
    // index < 0: EINVAL (U:2296-2297).
    if (index < 0) return fail("EINVAL");
    // index past this fd's table: ENOENT (U:2308-2314).
    const name = t[index];
    if (name === undefined) return fail("ENOENT");
    const e = this.#events.get(name);
    if (!e) throw new Error(`Handle ${fd} holds ${name}, which the model lost`);
    // payload < min_size: EINVAL (U:2316-2317).
    if (payload < MIN_SIZE[e.fields]!) return fail("EINVAL");
    // No probe attached: EBADF (U:2354-2355).
    if (!e.traced) return fail("EBADF");
    return ok(4 + payload);
  }

  /** A write of fewer than 4 bytes: EFAULT (U:2293-2294). */
  shortWrite(fd: number): SysResult<number> {
    if (!this.#fds.has(fd)) throw new RangeError(`No open handle ${fd}`);
    return fail("EFAULT");
  }

  // --- the case's memory ---------------------------------------------------

  /**
   * Changes page `p`'s mapping (mprotect, or munmap and a fresh zeroed
   * mapping at the same address). Enablers on it stay; their next write
   * fails while it is not writable (§8 "Faults after registration").
   */
  protect(p: number, to: PageState): void {
    const from = this.page(p);
    this.#pages[p] = to;
    if (from === "unmapped" && to !== "unmapped") {
      // A fresh anonymous page: zero, whatever the kernel wrote before.
      for (let w = p * WORDS_PER_PAGE; w < (p + 1) * WORDS_PER_PAGE; w++) {
        this.#words[w] = 0n;
        this.#unknown[w] = 0n;
        // The kernel still thinks its bits are there: they go stale until
        // the next state change, so the enablers' bits hold 0 now.
      }
    }
  }

  // --- internals -----------------------------------------------------------

  #maybeAutoDelete(e: ModelEvent): void {
    // Non-persistent: the last put schedules the destroy (U:265-338).
    if (e.persist || this.refs(e.name) > 0) return;
    this.#events.delete(e.name);
    this.#dying.push(e.name);
  }

  #writeBit(en: Enabler, on: boolean): void {
    // A write to a page that is not writable queues the fault worker and
    // marks the enabler FAULTING (U:518-548); a faulting one skips updates
    // (U:570-572). Either way the model stops predicting its bit.
    if (en.faulting || this.page(pageOf(en.word)) !== "rw") {
      en.faulting = true;
      return;
    }
    this.#setMem(en.word, memBit(en), on);
  }

  #setMem(word: number, bit: number, on: boolean): void {
    const m = 1n << BigInt(bit);
    this.#words[word] = on ? this.#words[word]! | m : this.#words[word]! & (ALL ^ m);
    this.#unknown[word]! &= ALL ^ m;
  }
}

/**
 * The bit of the 64-bit little-endian word an enabler flips: a 4-byte
 * enabler at offset 4 is aligned down to 8 and its bit gains 32 (U:180-202,
 * U:932-935, NOTES.md §8).
 *
 * @example
 * ```ts
 * import { memBit } from "./model.ts";
 * if (memBit({ offset: 4, size: 4, bit: 2 }) !== 34 || memBit({ offset: 0, size: 8, bit: 40 }) !== 40) {
 *   throw new Error();
 * }
 * ```
 */
export function memBit(
  e: { readonly offset: number; readonly size: number; readonly bit: number },
): number {
  return e.offset === 4 ? e.bit + 32 : e.bit;
}
