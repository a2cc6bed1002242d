/**
 * Turns a finished guest run into findings (pure): each kernel report in the
 * console, attributed to the case whose start mark came last before it (or
 * to "boot", or to "load" while the guest loaded the target), a module that
 * failed to load with no kernel report to say why, and a runner outcome
 * (lost, silent, timeout) that no kernel report explains.
 *
 * @module
 */
import { parseAll } from "../console/parse.ts";
import { lastMarkBefore } from "../marks.ts";
import type { Finding } from "./store.ts";
import type { VmOutcome } from "../vm/runner.ts";

/** What every kernel report breaks. */
export const KERNEL_INVARIANT =
  "invariant: no kernel report (KASAN, lockdep, WARNING, BUG, kmemleak, hang) while user space drives the ABI";

/** What a test machine that died or went silent without a report breaks. */
export const RUNNER_INVARIANT =
  "invariant: the test machine keeps running and answering while user space drives the ABI";

/** What a target that cannot be loaded breaks. */
export const LOAD_INVARIANT =
  "invariant: the target loads under every debug profile: a target that fails at load leaves nothing to test";

/** Console lines kept before a report in its log excerpt. */
const CONTEXT_BEFORE = 60;

/** Findings of one run's console and outcome. */
export function consoleFindings(
  consoleText: string,
  outcome: VmOutcome,
  env: Record<string, unknown>,
  /** Modules the guest's insmod refused (`module` result events with `ok: false`). */
  failedModules: readonly string[] = [],
): Finding[] {
  const lines = consoleText.split("\n");
  // Reports before the guest's init ran come from booting, not from a case;
  // those before its command ran, from loading the target.
  const booted = lines.findIndex((l) => l.includes("udiag-vm: booted"));
  const running = lines.findIndex((l) => l.includes("udiag-vm: running:"));
  const caseAt = (line: number) =>
    booted < 0 || line < booted
      ? "boot"
      : running < 0 || line < running
      ? "load"
      : lastMarkBefore(consoleText, line);
  const out: Finding[] = [];
  for (const c of parseAll(consoleText)) {
    out.push({
      title: c.title,
      kind: "kernel",
      type: c.type,
      breaks: KERNEL_INVARIANT,
      report: c.report,
      log: lines.slice(Math.max(0, c.startLine - CONTEXT_BEFORE), c.endLine + 1)
        .join("\n"),
      case: caseAt(c.startLine),
      env,
      corrupted: c.corrupted,
    });
  }
  // A kernel report while loading says why; a refusal with none is its own finding.
  if (failedModules.length && !out.some((f) => f.case === "load")) {
    const upTo = running < 0 ? lines.length : running + 1;
    for (const m of failedModules) {
      out.push({
        title: `load: ${m} failed to load`,
        kind: "runner",
        type: "LOAD",
        breaks: LOAD_INVARIANT,
        report: `insmod ${m} failed, with no kernel report to say why: see the log.\n`,
        log: lines.slice(Math.max(0, upTo - CONTEXT_BEFORE), upTo).join("\n"),
        case: "load",
        env,
      });
    }
  }
  const tail = lines.slice(-CONTEXT_BEFORE * 2).join("\n");
  const unexplained = (title: string, type: string) =>
    out.length === 0 &&
    out.push({
      title,
      kind: "runner",
      type,
      breaks: RUNNER_INVARIANT,
      report: title,
      log: tail,
      case: caseAt(lines.length),
      env,
    });
  if (outcome.kind === "lost") {
    unexplained("lost connection to test machine", "LOST");
  } else if (outcome.kind === "silent") {
    unexplained("no output from test machine", "HANG");
  } else if (outcome.kind === "timeout") {
    unexplained("test machine timed out", "HANG");
  }
  return out;
}
