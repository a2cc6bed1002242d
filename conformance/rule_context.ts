/**
 * The conformance suite's side of every ABI's rule tests: `ruleTests()` gives
 * an ABI its `rule(id, fn)`, which registers one Deno test per rule ID, marks
 * the case in the kernel log, records evidence (what the kernel answered vs
 * what the rule expects) and reports the outcome to the host.
 *
 * @module
 */
import assert from "node:assert/strict";
import { showResult, type SysResult } from "../harness/errno.ts";
import { markCase } from "../harness/marks.ts";
import { recordJudge } from "../harness/ctrace/record.ts";
import { sendResult } from "../harness/channel.ts";
import type { Catalog } from "../harness/catalog.ts";
import type { Rule } from "./rule.ts";
import { leaveBrokenMachine, probeAfter } from "../harness/health/after_case.ts";
import type { OpenCanary } from "../harness/health/probe.ts";

/** The suite name in case marks and findings. */
export const CONFORMANCE_SUITE = "conformance";

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
    // The first mismatch fails the rule; its call is what a C reproducer checks.
    if (e.got !== e.want) recordJudge(this.id, what, e.want);
    assert.equal(e.got, e.want, `${this.id} ${what}`);
  }

  /**
   * Pins the rule to the read or call just made, for a C reproducer
   * (harness/ctrace), where the evidence `expect` compares is derived from it
   * (`want`: what a read of memory had to give back).
   */
  judge(what: string, want: string | Uint8Array): void {
    recordJudge(this.id, what, want);
  }

  /** Records a fact the rule relies on without comparing it. */
  note(what: string, value: string | number): void {
    this.evidence.push({ what, got: String(value), want: "", ok: true });
  }
}

/** How an ABI's rule tests find their rules and whether the ABI is there to test. */
export interface RuleTestOptions {
  readonly rules: Catalog<Rule>;
  /** Null when the ABI is present; else why the tests skip (`/dev/udiag absent`). */
  absent(): string | null;
  /** The ABI's canary: the health probe runs after every rule (none: no probe). */
  readonly canary?: OpenCanary;
}

/** `rule(id, fn)`: registers the Deno test of one rule. */
export type RuleTest = (id: string, fn: (t: RuleContext) => void | Promise<void>) => void;

/**
 * The `rule()` of one ABI. Without the ABI the tests are ignored (a skip,
 * which the host never counts as a pass); an ABI that is present but
 * unusable fails.
 */
export function ruleTests(o: RuleTestOptions): RuleTest {
  return (id, fn) => {
    const r = o.rules.get(id);
    const absent = o.absent();
    Deno.test({
      name: `[${id}] ${r.statement}${absent === null ? "" : ` # SKIP ${absent}`}`,
      ignore: absent !== null,
      sanitizeResources: false,
      // A rule that leaves a consumer broken ends the process (after_case.ts).
      sanitizeExit: false,
      fn: async () => {
        markCase(CONFORMANCE_SUITE, id, "start");
        const t = new RuleContext(id);
        let failed: { error: unknown } | null = null;
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
          failed = { error: e };
        }
        let sick = null;
        try {
          sick = probeAfter(o.canary, CONFORMANCE_SUITE, id);
        } finally {
          markCase(CONFORMANCE_SUITE, id, "end");
        }
        if (sick) leaveBrokenMachine(sick);
        if (failed) throw failed.error;
      },
    });
  };
}
