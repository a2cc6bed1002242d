/**
 * One way to run a suite of Deno test files in the guest across boots (the
 * retry rule, written once): a case whose test kills its process or the
 * kernel would leave every later case unrun, so the rest go on in a fresh VM,
 * as kselftest runners do. The case that was running when things died (its
 * start mark has no outcome) gets an outcome saying so, and is not rerun. A
 * case that left a trace consumer broken ends its boot the same way
 * (harness/health/after_case.ts), its outcome given.
 *
 * @module
 */
import type { GuestRunResult } from "./vm/guest_run.ts";
import { crashedCase } from "./marks.ts";
import { casesJunit, type JunitCase, mergeJunit } from "./report/junit.ts";
import type { HealthEvent } from "./health/after_case.ts";
import { shellQuote } from "./vm/initramfs.ts";

/**
 * Most VMs one suite run boots (each after a case killed its process or
 * kernel): the RFC's traced writes that fault each kill theirs.
 */
export const MAX_BOOTS = 12;

/** A suite of test files, one Deno test per case ID (`[ID] statement`). */
export interface TestFileSuite<O extends { readonly id: string }> {
  /** The suite's name in case marks: "conformance", "security". */
  readonly suite: string;
  /** The results-channel event of one case's outcome: "rule", "check". */
  readonly event: string;
  /** Test files, as paths from the checkout. */
  readonly files: readonly string[];
  /** Case IDs to run. */
  readonly ids: readonly string[];
  /** Every case ID of the suite: when `ids` is all of them, no filter is needed. */
  readonly allIds: readonly string[];
  /** The outcome of the case running when its process or the kernel died. */
  crashed(id: string, how: string): O;
  /** An outcome as a JUnit case, for a boot whose test process wrote no report. */
  junitCase(o: O): JunitCase;
  readonly maxBoots?: number;
  /**
   * Stop at the first failing case (`deno test --fail-fast`), booting no
   * more: for a caller that needs one difference, not all of them
   * (`deno task mutate`).
   */
  readonly failFast?: boolean;
}

/** What the boots of a suite produced. */
export interface SuiteBoots<O> {
  /** Outcomes in the order they came, the crashed cases' included. */
  readonly outcomes: O[];
  /** One JUnit document of every boot. */
  readonly junit: string;
  readonly runs: GuestRunResult[];
  /** A boot ended otherwise than by its command's exit. */
  readonly died: boolean;
  /** Cases that left a consumer broken (each ended its boot: the rest ran in a fresh VM). */
  readonly health: HealthEvent[];
}

/**
 * The guest command that runs `ids` of the files (pure): `deno test` with a
 * filter on the `[ID]` prefix of the test names, its JUnit in the run's
 * directory. Type checking is the host's job (deno check in CI); under TCG it
 * costs a minute. `failFast`: stop at the first failing test.
 */
export function testCommand(
  files: readonly string[],
  ids: readonly string[] | null,
  junitName: string,
  failFast = false,
): string {
  const filter = ids === null ? [] : ["--filter", `/^\\[(${ids.join("|")})\\]/`];
  // Deno writes the report in many small writes: to the 9p share of the
  // run's directory that took 100 s of TCG for 8 KiB, long enough to pass
  // for a silent machine. It is written to tmpfs and copied in one go.
  const tmp = `"\${TMPDIR:-/tmp}/${junitName}.$$"`;
  return [
    "deno test -A --no-check",
    ...(failFast ? ["--fail-fast"] : []),
    `--junit-path=${tmp}`,
    ...[...filter, ...files].map((a) => /^[\w./=:-]+$/.test(a) ? a : shellQuote(a)),
    `; rc=$?; cp ${tmp} "$UDIAG_OUT/${junitName}"; rm -f ${tmp}; exit $rc`,
  ].join(" ");
}

/** Runs the suite, booting again for what a dead boot left unrun. */
export async function runTestFileSuite<O extends { readonly id: string }>(
  s: TestFileSuite<O>,
  boot: (command: string) => Promise<GuestRunResult>,
): Promise<SuiteBoots<O>> {
  const junitName = `${s.suite}-junit.xml`;
  let remaining = [...s.ids];
  const outcomes: O[] = [];
  const junits: string[] = [];
  const runs: GuestRunResult[] = [];
  const health: HealthEvent[] = [];
  let died = false;
  for (let n = 0; n < (s.maxBoots ?? MAX_BOOTS) && remaining.length; n++) {
    const all = remaining.length === s.allIds.length &&
      remaining.every((id) => s.allIds.includes(id));
    const res = await boot(testCommand(s.files, all ? null : remaining, junitName, s.failFast));
    runs.push(res);
    const got = res.run.results.filter((r) => r.event === s.event) as unknown as O[];
    outcomes.push(...got);
    health.push(
      ...res.run.results.filter((r) => r.event === "health") as unknown as HealthEvent[],
    );
    const junit = await Deno.readTextFile(`${res.run.outDir}/${junitName}`).catch(() => "");
    // A process that ended early wrote no report: its cases count all the same.
    const ownJunit = (cases: readonly O[]) =>
      junit.includes("<testcase") ? junit : casesJunit(cases.map(s.junitCase), s.suite);
    // Stopped by the user: what ran counts, the case cut short is not a crash.
    if (res.run.outcome.kind === "interrupted") {
      junits.push(ownJunit(got));
      break;
    }
    died ||= res.run.outcome.kind !== "exited";
    const reported = new Set(got.map((o) => o.id));
    const crashed = crashedCase(res.run.console, s.suite, reported);
    const mine = [...got];
    if (crashed !== null) {
      const how = res.run.outcome.kind === "exited" ? `exit ${res.exitCode}` : res.run.outcome.kind;
      mine.push(s.crashed(crashed, how));
      outcomes.push(mine.at(-1)!);
      reported.add(crashed);
    }
    junits.push(ownJunit(mine));
    if (s.failFast && (crashed !== null || res.exitCode !== 0)) break;
    const before = remaining.length;
    remaining = remaining.filter((id) => !reported.has(id));
    if (remaining.length === before) break; // no progress: do not loop
  }
  return { outcomes, junit: mergeJunit(junits, s.suite), runs, died, health };
}
