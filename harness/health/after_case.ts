/**
 * The health probe after one case of a test-file suite (conformance rules,
 * security checks): a consumer the case left broken is sent to the host as a
 * `health` event, and the test process ends with {@linkcode HEALTH_EXIT} so
 * the rest of the suite runs in a fresh VM (harness/suite_boots.ts), where
 * the broken consumer cannot fail later cases for what this one did.
 *
 * @module
 */
import { inGuest, sendResult } from "../channel.ts";
import { type HealthProblem, healthTitle } from "./health.ts";

/** One prober per test process: it keeps what a boot does not change. */
let prober: HealthProber | null = null;
import { HealthProber, type OpenCanary, probeProblems } from "./probe.ts";

/** Exit status of a test process that left a machine with a broken consumer. */
export const HEALTH_EXIT = 5;

/** What the guest tells the host of a case that left a consumer broken. */
export interface HealthEvent {
  readonly event: "health";
  /** The suite in case marks: "conformance", "security". */
  readonly suite: string;
  /** The rule or check that ran last. */
  readonly id: string;
  readonly title: string;
  readonly problems: readonly HealthProblem[];
}

/** Probes after case `id` (no canary: no probe); the event sent when something broke. */
export function probeAfter(
  canary: OpenCanary | undefined,
  suite: string,
  id: string,
): HealthEvent | null {
  if (!canary) return null;
  prober ??= new HealthProber(canary);
  const problems = probeProblems(prober, "full");
  if (!problems.length) return null;
  const h: HealthEvent = {
    event: "health",
    suite,
    id,
    title: healthTitle(problems, `${suite} ${id}`),
    problems,
  };
  sendResult({ ...h });
  return h;
}

/**
 * Leaves a machine a case broke: in the guest the process exits (its test
 * must set `sanitizeExit: false`); on a host run there is no fresh machine
 * to go on in, so the case's test fails with the title.
 */
export function leaveBrokenMachine(h: HealthEvent): never {
  console.error(`${h.title}: the rest of the suite goes on in a fresh VM`);
  if (inGuest()) Deno.exit(HEALTH_EXIT);
  throw new Error(h.title);
}
