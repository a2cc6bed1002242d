/**
 * The user_events conformance fixture: `rule()` registers the test of one
 * rule (conformance/rule_context.ts), and a {@linkcode Fixture} owns the
 * files, enable words, registrations, tracefs enables and event names one
 * test makes, and removes them at the end (`using fx = new Fixture()`):
 * disable, unregister, close, then delete and wait for each name to go, so
 * no case leaks an event into the next.
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { ruleTests } from "../../../conformance/rule_context.ts";
import { DATA_PATH, TRACEFS_ROOT, USER_EVENTS_SYSTEM } from "../abi.ts";
import { EnableWord, type RegisterOptions, UserEventsFile, userEventsPresent } from "../client.ts";
import { USER_EVENTS_RULES } from "./rules.ts";
import { openUserEventsCanary } from "../health.ts";

/** Registers the test of one user_events rule; skipped where user_events_data is absent. */
export const rule = ruleTests({
  rules: USER_EVENTS_RULES,
  absent: () => userEventsPresent() ? null : `${DATA_PATH} absent`,
  canary: openUserEventsCanary,
});

let names = 0;

/** Sleeps synchronously-ish (tests are async-capable). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Owns what one test makes; `[Symbol.dispose]` unwinds it, ignoring answers. */
export class Fixture implements Disposable {
  readonly tracefs = new Tracefs(USER_EVENTS_SYSTEM, TRACEFS_ROOT);
  readonly #files: UserEventsFile[] = [];
  readonly #words: EnableWord[] = [];
  readonly #regs: { addr: bigint; bit: number }[] = [];
  readonly #names = new Set<string>();
  readonly #traced = new Set<string>();
  readonly #cleanups: (() => void)[] = [];

  /** Opens user_events_data; fails the test if it cannot. */
  open(): UserEventsFile {
    const f = UserEventsFile.openOrThrow();
    this.#files.push(f);
    return f;
  }

  /** A fresh 8-byte aligned enable word, kept alive until the end. */
  word(): EnableWord {
    const w = new EnableWord();
    this.#words.push(w);
    return w;
  }

  /** A name no other test uses, deleted at the end. */
  name(prefix = "ue"): string {
    const n = `${prefix}_${Deno.pid}_${++names}`;
    this.#names.add(n);
    return n;
  }

  /** Marks a name for deletion at the end. */
  own(name: string): string {
    this.#names.add(name);
    return name;
  }

  /** DIAG_IOCSREG through `f`, unregistered at the end when it succeeds. */
  register(f: UserEventsFile, o: RegisterOptions): SysResult<number> {
    const r = f.register(o);
    if (r.ok) this.forget(o.enableAddr, o.enableBit, true);
    return r;
  }

  /** Tracks (or stops tracking) a registration for the final unregister. */
  forget(addr: EnableWord | bigint, bit: number, add = false): void {
    const a = typeof addr === "bigint" ? addr : addr.address;
    const i = this.#regs.findIndex((r) => r.addr === a && r.bit === bit);
    if (add && i < 0) this.#regs.push({ addr: a, bit });
    if (!add && i >= 0) this.#regs.splice(i, 1);
  }

  /** Enables (or disables) an event in tracefs; disabled again at the end. */
  trace(name: string, on = true): SysResult<number> {
    if (on) this.#traced.add(name);
    return this.tracefs.setEnabled(name, on);
  }

  /** Runs `fn` at the end, before files close. */
  defer(fn: () => void): void {
    this.#cleanups.push(fn);
  }

  /** Waits up to `ms` for `pred` to hold; returns whether it did. */
  static async waitFor(pred: () => boolean, ms = 5000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) return false;
      await sleep(20);
    }
    return true;
  }

  [Symbol.dispose](): void {
    for (const n of this.#traced) this.tracefs.setEnabled(n, false);
    this.#traced.clear();
    for (const fn of this.#cleanups.splice(0).reverse()) fn();
    const any = UserEventsFile.open();
    if (any.ok) {
      for (const r of this.#regs) any.value.unregister(r.addr, r.bit);
    }
    this.#regs.length = 0;
    for (const f of this.#files.splice(0)) f.close();
    if (!any.ok) return;
    // Auto-delete runs in a work item (U:265-338): retry DIAG_IOCSDEL while
    // it answers EBUSY, until the name is gone or a short deadline passes.
    const end = Date.now() + 3000;
    for (const n of this.#names) {
      while (Date.now() < end) {
        const r = any.value.delete(n);
        if (r.ok || r.errno !== "EBUSY") break;
        const t = Date.now() + 10;
        while (Date.now() < t) { /* spin: dispose is synchronous */ }
      }
    }
    this.#names.clear();
    any.value.close();
  }
}
