/**
 * The real system the model-based commands drive: /dev/udiag files, perf
 * events and tracefs, keyed by the model's handle and perf ids, plus the
 * comparison every command ends with (the enable page against the model).
 *
 * @module
 */
import { type EnablePage, UdiagFile } from "../device.ts";
import { showResult, type SysResult } from "../../../harness/errno.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { DIAG_SYSTEM } from "../abi.ts";
import { type PerfEvent, perfOpen } from "../../../harness/trace/perf.ts";
import { dynamicField, parseFormat } from "../../../harness/trace/format.ts";
import {
  BPF_PROG_TYPE_TRACEPOINT,
  dataLocProgram,
  mapCreateArray,
  mapLookup,
  progLoad,
  readDataLocDump,
} from "../../../harness/bpf.ts";
import { sysClose } from "../../../harness/syscall.ts";
import type { UdiagModel } from "./model.ts";
import {
  DirtyTargetError,
  Mismatch as MismatchBase,
  StateLeak as LeakBase,
} from "../../../fuzz/campaign.ts";
import { mismatchTitle } from "./titles.ts";

/** A kernel answer that differs from the model's: the fuzzers' finding. */
export class Mismatch extends MismatchBase {
  /** `title`: when the answers carry data that varies per case (see titles.ts). */
  constructor(op: string, got: string, want: string, title?: string) {
    super(op, got, want, {
      title: title ?? mismatchTitle(op, got, want),
      breaks:
        "invariant: the kernel's answers equal the reference model's (abi/udiag/fuzz/model.ts)",
    });
  }
}

/** Throws a {@linkcode Mismatch} unless the kernel's answer is the model's. */
export function agree(op: string, got: SysResult<unknown>, want: SysResult<unknown>): void {
  const g = showResult(got);
  const w = showResult(want);
  if (g !== w) throw new Mismatch(op, g, w);
}

/**
 * A case ended and the device did not come back to its initial state: an
 * event stays that the case's own cleanup (close every file, delete every
 * name it registered) cannot remove, or an index no listed event holds stays
 * taken. Every later case would start on state the model does not know; the
 * case that left it is the finding (a resource leak), not the next one.
 */
export class StateLeak extends LeakBase {
  constructor(kind: string, detail: string, options?: ErrorOptions) {
    super(
      kind,
      detail,
      "invariant: a case that closes its files and deletes what it registered leaves the device as it found it",
      options,
    );
  }
}

/** Name of the event {@linkcode leftBehind} registers to see which index is free. */
export const PROBE_NAME = "udiag_fuzz_probe";

/**
 * What a case left behind (null: nothing): events tracefs still lists, or an
 * index below the one a new event gets (the lowest free index, 1 on a clean
 * device) that something tracefs does not list still holds. The probe event
 * is deleted again.
 */
export function leftBehind(tracefs: Tracefs): StateLeak | null {
  const listed = tracefs.events().filter((n) => n !== PROBE_NAME);
  if (listed.length) {
    return new StateLeak("an event stays that delete cannot remove", listed.join(", "));
  }
  using f = UdiagFile.openOrThrow();
  try {
    const r = f.register(PROBE_NAME);
    f.close(); // the event is in use while a file holds it
    if (!r.ok) return new StateLeak("a new event cannot be registered", r.errno);
    if (r.value !== 1) {
      return new StateLeak(
        "an event tracefs does not list holds an index",
        `a new event got index ${r.value}, expected 1`,
      );
    }
    return null;
  } finally {
    using ctl = UdiagFile.openOrThrow();
    ctl.delete(PROBE_NAME);
  }
}

/** Bytes of each payload an attached eBPF program copies out (the rest is its length). */
export const BPF_COPY = 64;

/**
 * Tracefs that remembers the events a case enabled: its clean-up disables
 * only those (the case began with no event, and an event starts disabled),
 * as an open of an `enable` file is milliseconds under TCG.
 */
export class CaseTracefs extends Tracefs {
  readonly #enabled = new Set<string>();

  override setEnabled(name: string, on: boolean): SysResult<number> {
    if (on) this.#enabled.add(name);
    return super.setEnabled(name, on);
  }

  /** Every name enabled through this object, whatever the kernel answered. */
  enabled(): string[] {
    return [...this.#enabled];
  }
}

/** Files, perf events and the page, opened for one fuzz case. */
export class RealUdiag implements Disposable {
  readonly tracefs = new CaseTracefs(DIAG_SYSTEM);
  readonly files = new Map<number, UdiagFile>();
  readonly perfs = new Map<number, PerfEvent>();
  /** Perf id → the array map its eBPF program copies each record's payload into. */
  readonly bpfMaps = new Map<number, number>();
  readonly page: EnablePage;
  /** Names the case may have created: deleted at the end. */
  readonly names: readonly string[];
  /** Other names a register accepted (their bytes, unterminated): deleted at the end too. */
  readonly created: Uint8Array[] = [];
  /** Every command that ran to its end, in order: the case's operation log. */
  readonly log: string[] = [];
  /** Event type id → name and published format, captured while the event lived. */
  readonly formats = new Map<number, { name: string; format: string }>();
  readonly #control: UdiagFile;

  /**
   * Compare every byte of the page (true), or only those of indexes the
   * case's events used: once a target's page was found dirty where no event
   * lives (filed once), later cases look past that and go on testing.
   */
  readonly strictPage: boolean;
  readonly #touched = new Set<number>();

  constructor(names: readonly string[], strictPage = true) {
    this.names = names;
    this.strictPage = strictPage;
    this.#control = UdiagFile.openOrThrow();
    const p = this.#control.mapPage();
    if (!p.ok) throw new Error(`Cannot map the enable page: ${p.errno}`);
    this.page = p.value;
  }

  /** Deletes leftover events; throws {@linkcode DirtyTargetError} when some stay. */
  ensureClean(): void {
    const listed = this.tracefs.events();
    if (listed.length === 0) return; // a listing costs 3 ms under TCG: the second only when needed
    for (const n of listed) {
      this.tracefs.setEnabled(n, false);
      this.#control.delete(n);
    }
    const left = this.tracefs.events();
    if (left.length) throw new DirtyTargetError(`events ${left.join(", ")} remain after cleanup`);
  }

  /**
   * Empties every CPU's trace buffer: records an earlier case left (the raw
   * and race campaigns never drain) would otherwise be decoded with this
   * case's event of the same type id.
   */
  clearSinks(): void {
    // A clear waits for RCU grace periods (a quarter of a model case under
    // TCG); a buffer earlier cases drained is already as a clear leaves it.
    if (this.tracefs.buffersAsCleared()) return;
    const r = this.tracefs.clear();
    if (!r.ok) throw new Error(`Cannot clear the trace buffers: ${r.errno}`);
  }

  /** A file of the case's own that registers nothing: deletes go through it. */
  control(): UdiagFile {
    return this.#control;
  }

  /** A file for model handle `h`. */
  open(h: number): SysResult<number> {
    const r = UdiagFile.open();
    if (!r.ok) return r;
    this.files.set(h, r.value);
    return { ok: true, value: h };
  }

  /** The file of model handle `h` (the model only picks open handles). */
  file(h: number): UdiagFile {
    const f = this.files.get(h);
    if (!f) throw new Error(`No file for handle ${h}`);
    return f;
  }

  /** Remembers an event's id and format, so its records decode after it is gone. */
  learnFormat(name: string): number | null {
    if (!this.tracefs.hasEvent(name)) return null;
    const id = this.tracefs.eventId(name);
    this.formats.set(id, { name, format: this.tracefs.format(name) });
    return id;
  }

  /** perf_event_open on `udiag:<name>`; ENOENT when tracefs has no such event. */
  perfOpen(id: number, name: string): SysResult<number> {
    const eventId = this.learnFormat(name);
    if (eventId === null) return { ok: false, errno: "ENOENT" };
    const r = perfOpen(eventId, { dataPages: 2 });
    if (!r.ok) return r;
    this.perfs.set(id, r.value);
    return { ok: true, value: id };
  }

  /** close(2) of perf event `id`, and of its eBPF program's map. */
  perfClose(id: number): void {
    this.perfs.get(id)?.close();
    this.perfs.delete(id);
    const map = this.bpfMaps.get(id);
    if (map !== undefined) sysClose(map);
    this.bpfMaps.delete(id);
  }

  /**
   * Loads a tracepoint program written from `udiag:<name>`'s format file, as
   * a bpftrace or libbpf consumer would be ({@linkcode dataLocProgram}: it
   * copies the payload's length and first {@linkcode BPF_COPY} bytes into a
   * map), and attaches it to perf event `id` (PERF_EVENT_IOC_SET_BPF): that
   * ioctl's answer. Throws when the program cannot be built: no eBPF here.
   */
  bpfAttach(id: number, name: string): SysResult<number> {
    const perf = this.perfs.get(id);
    if (!perf) return { ok: false, errno: "EBADF" };
    const eventId = this.learnFormat(name);
    const format = eventId === null ? undefined : this.formats.get(eventId)?.format;
    const field = format === undefined ? undefined : dynamicField(parseFormat(format));
    if (!field) {
      throw new Mismatch(
        `bpf_attach(p${id})`,
        "no __data_loc field",
        "a __data_loc field",
        "fuzz: bpf_attach found no __data_loc field in the event's format",
      );
    }
    const map = mapCreateArray(8 + BPF_COPY);
    if (!map.ok) throw new Error(`Cannot create an eBPF array map: ${map.errno}`);
    const prog = progLoad(BPF_PROG_TYPE_TRACEPOINT, dataLocProgram(map.value, field, BPF_COPY));
    if (!prog.ok) {
      sysClose(map.value);
      throw new Error(`The verifier refused the program: ${prog.errno}: ${prog.log}`);
    }
    const r = perf.setBpf(prog.fd);
    sysClose(prog.fd); // an attached program is held by its perf event
    if (r.ok) this.bpfMaps.set(id, map.value);
    else sysClose(map.value);
    return r;
  }

  /** What perf event `id`'s program last read: the record's length and its first bytes. */
  bpfSeen(id: number): SysResult<{ length: number; bytes: Uint8Array }> {
    const map = this.bpfMaps.get(id);
    if (map === undefined) return { ok: false, errno: "EBADF" };
    const v = mapLookup(map, 0, 8 + BPF_COPY);
    return v.ok ? { ok: true, value: readDataLocDump(v.value) } : v;
  }

  /** Compares the whole enable page with the model's; every command ends with it. */
  checkPage(m: UdiagModel, after: string): void {
    this.log.push(after);
    const got = this.page.bytes();
    const want = m.page();
    for (const e of m.events().values()) this.#touched.add(e.index);
    for (let i = 0; i < got.length; i++) {
      if (!this.strictPage && !this.#touched.has(i)) continue;
      if (got[i] !== want[i]) {
        // The one byte read again: the answer a C reproducer's check is pinned to.
        this.page.byte(i);
        throw new Mismatch(`enable byte ${i} after ${after}`, String(got[i]), String(want[i]));
      }
    }
  }

  /** Unwinds everything the case made; the device must end as it began. */
  [Symbol.dispose](): void {
    for (const n of this.tracefs.enabled()) this.tracefs.setEnabled(n, false);
    for (const id of [...this.perfs.keys()]) this.perfClose(id);
    for (const f of this.files.values()) f[Symbol.dispose]();
    for (const n of this.names) this.#control.delete(n);
    // A name as the kernel reads it: NUL-terminated.
    for (const n of this.created) this.#control.delete(new Uint8Array([...n, 0]));
    this.page.unmap();
    this.#control.close();
  }
}
