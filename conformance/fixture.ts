/**
 * The conformance fixture: `rule()` registers one Deno test per rule ID, marks
 * the case in the kernel log, and records evidence (what the kernel answered
 * vs what the rule expects); a {@linkcode Fixture} owns the files, events and
 * tracers a test makes and removes them at the end (`using fx = new Fixture()`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { deviceExists, UdiagFile } from "../harness/device.ts";
import { showResult, type SysResult } from "../harness/errno.ts";
import { Tracefs } from "../harness/tracefs.ts";
import { markCase } from "../harness/kmsg.ts";
import { sendResult } from "../harness/channel.ts";
import { ruleById } from "./rules.ts";

/** One comparison a rule made. */
export interface Evidence {
  readonly what: string;
  readonly got: string;
  readonly want: string;
  readonly ok: boolean;
}

/** What a rule's test reports to the host. */
export interface RuleOutcome {
  readonly event: "rule";
  readonly id: string;
  readonly verdict: "pass" | "fail";
  readonly evidence: readonly Evidence[];
  readonly error?: string;
}

function show(v: SysResult<unknown> | string | number | boolean): string {
  return typeof v === "object" ? showResult(v) : String(v);
}

let evidenceFile: Deno.FsFile | null | undefined;

/** Sends an outcome over the guest channel, or appends it to `$UDIAG_EVIDENCE` on a host run. */
function report(outcome: RuleOutcome): void {
  if (sendResult({ ...outcome })) return;
  if (evidenceFile === undefined) {
    const path = Deno.env.get("UDIAG_EVIDENCE");
    evidenceFile = path ? Deno.openSync(path, { append: true, create: true }) : null;
  }
  evidenceFile?.writeSync(new TextEncoder().encode(JSON.stringify(outcome) + "\n"));
}

/** Collects a rule's evidence; each `expect` also asserts. */
export class RuleContext {
  readonly id: string;
  readonly evidence: Evidence[] = [];

  constructor(id: string) {
    this.id = id;
  }

  /** Compares a kernel answer with the rule's, records both, and fails the test on a mismatch. */
  expect(
    what: string,
    got: SysResult<unknown> | string | number | boolean,
    want: SysResult<unknown> | string | number | boolean,
  ): void {
    const e = { what, got: show(got), want: show(want) };
    this.evidence.push({ ...e, ok: e.got === e.want });
    assert.equal(e.got, e.want, `${this.id} ${what}`);
  }

  /** Records a fact the rule relies on without comparing it. */
  note(what: string, value: string | number): void {
    this.evidence.push({ what, got: String(value), want: "", ok: true });
  }
}

/** The device node the suite tests (`$UDIAG_DEVICE`, else /dev/udiag). */
export const DEVICE = Deno.env.get("UDIAG_DEVICE") ?? "/dev/udiag";

/**
 * Registers the test of one rule. Without the device the test is ignored (a
 * skip, which the host never counts as a pass); a device that is present but
 * unusable fails.
 */
export function rule(id: string, fn: (t: RuleContext) => void | Promise<void>): void {
  const r = ruleById(id);
  const present = deviceExists(DEVICE);
  Deno.test({
    name: `[${id}] ${r.statement}${present ? "" : ` # SKIP ${DEVICE} absent`}`,
    ignore: !present,
    sanitizeResources: false,
    fn: async () => {
      markCase("conformance", id, "start");
      const t = new RuleContext(id);
      try {
        await fn(t);
        report({ event: "rule", id, verdict: "pass", evidence: t.evidence });
      } catch (e) {
        report({
          event: "rule",
          id,
          verdict: "fail",
          evidence: t.evidence,
          error: (e as Error).message,
        });
        throw e;
      } finally {
        markCase("conformance", id, "end");
      }
    },
  });
}

let names = 0;

/** Owns what one test makes; `[Symbol.dispose]` unwinds it, ignoring answers. */
export class Fixture implements Disposable {
  readonly tracefs = new Tracefs();
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
