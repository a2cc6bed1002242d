/**
 * The udiag conformance fixture: `rule()` registers the test of one udiag
 * rule (conformance/rule_context.ts), and a {@linkcode Fixture} owns the
 * files, events and tracers a test makes and removes them at the end
 * (`using fx = new Fixture()`).
 *
 * @module
 */
import { deviceExists, UdiagFile } from "../device.ts";
import type { SysResult } from "../../../harness/errno.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { DIAG_SYSTEM } from "../abi.ts";
import { type RuleContext, ruleTests } from "../../../conformance/rule_context.ts";
import { recoverFtrace } from "../../../conformance/sink_payloads.ts";
import { UDIAG_RULES } from "./rules.ts";
import { openUdiagCanary } from "../health.ts";

/** The device node the suite tests (`$UDIAG_DEVICE`, else /dev/udiag). */
export const DEVICE = Deno.env.get("UDIAG_DEVICE") ?? "/dev/udiag";

/** Registers the test of one udiag rule; skipped where the device is absent. */
export const rule = ruleTests({
  rules: UDIAG_RULES,
  absent: () => deviceExists(DEVICE) ? null : `${DEVICE} absent`,
  canary: () => openUdiagCanary(DEVICE),
});

let names = 0;

/** Owns what one test makes; `[Symbol.dispose]` unwinds it, ignoring answers. */
export class Fixture implements Disposable {
  readonly tracefs = new Tracefs(DIAG_SYSTEM);
  readonly #files: UdiagFile[] = [];
  readonly #names = new Set<string>();
  readonly #traced = new Set<string>();
  readonly #cleanups: (() => void)[] = [];

  /** Opens the device; fails the test if it cannot. */
  open(): UdiagFile {
    const f = UdiagFile.openOrThrow(DEVICE);
    this.#files.push(f);
    return f;
  }

  /**
   * Registers `name` on a file of its own and closes it: the event stays,
   * held by no file (how rules that make many events make each).
   */
  registerClosed(name: string): SysResult<number> {
    using f = UdiagFile.openOrThrow(DEVICE);
    return f.register(name);
  }

  /** A name no other test uses, removed at the end. */
  name(prefix = "t"): string {
    const n = `${prefix}_${Deno.pid}_${++names}`;
    this.#names.add(n);
    return n;
  }

  /** Marks a name for deletion at the end (for names not made by `name()`). */
  own(name: string): string {
    this.#names.add(name);
    return name;
  }

  /** Enables (or disables) an event in tracefs; disabled again at the end. */
  trace(name: string, on = true): SysResult<number> {
    if (on) this.#traced.add(name);
    return this.tracefs.setEnabled(name, on);
  }

  /**
   * A new event registered on a new file, ftrace tracing it and older
   * records drained: how every rule of the ftrace sink starts.
   */
  tracedFile(t: RuleContext): { name: string; f: UdiagFile } {
    const name = this.name();
    const f = this.open();
    t.expect("register", f.register(name).ok, true);
    t.expect("enable", this.trace(name), { ok: true, value: 1 });
    recoverFtrace(this.tracefs, name);
    return { name, f };
  }

  /** Runs `fn` at the end, before files close. */
  defer(fn: () => void): void {
    this.#cleanups.push(fn);
  }

  [Symbol.dispose](): void {
    for (const n of this.#traced) this.tracefs.setEnabled(n, false);
    for (const fn of this.#cleanups.reverse()) fn();
    for (const f of this.#files) f[Symbol.dispose]();
    const r = UdiagFile.open(DEVICE);
    if (!r.ok) return;
    for (const n of this.#names) r.value.delete(n);
    r.value.close();
  }
}
