/**
 * The security suite's side of every ABI's checks: `checkTests()` gives an
 * ABI its `check(id, fn)`, which registers one Deno test per check ID, marks
 * it in the kernel log, watches the kernel log while it runs, and reports a
 * verdict to the host:
 *
 * - `pass`: the attacker's move failed;
 * - `by design`: it worked, and the catalog names the ABI rule that allows it;
 * - `exposed`: it worked and nothing allows it, or the kernel logged a report
 *   (KASAN, lockdep, WARNING, …) while it ran; the test fails;
 * - `error`: the check itself could not run; the test fails.
 *
 * @module
 */
import { KmsgReader } from "../harness/kmsg.ts";
import { markCase } from "../harness/marks.ts";
import { leaveBrokenMachine, probeAfter } from "../harness/health/after_case.ts";
import type { OpenCanary } from "../harness/health/probe.ts";
import { parseAll } from "../harness/console/parse.ts";
import { sendResult } from "../harness/channel.ts";
import type { Catalog } from "../harness/catalog.ts";
import type { SecurityCheck } from "./check.ts";
import { recordJudge } from "../harness/ctrace/record.ts";
import { sysChmod, sysChown } from "../harness/syscall.ts";
import type { SysResult } from "../harness/errno.ts";

/** The suite name in case marks and findings. */
export const SECURITY_SUITE = "security";

/** What a check reports to the host. */
export interface CheckOutcome {
  readonly event: "check";
  readonly id: string;
  readonly verdict: "pass" | "by design" | "exposed" | "error";
  /** What the attacker tried and what the kernel answered, one line each. */
  readonly evidence: readonly string[];
  /** How the weakness showed, when it did. */
  readonly exposures: readonly string[];
  /** Titles of kernel reports logged while the check ran. */
  readonly kernel: readonly string[];
  /** Numbers the check measured (counts, rates, bytes). */
  readonly measured: Readonly<Record<string, number | string>>;
  readonly error?: string;
}

/** Collects one check's evidence. */
export class SecurityContext {
  readonly id: string;
  readonly evidence: string[] = [];
  readonly exposures: string[] = [];
  readonly measured: Record<string, number | string> = {};

  constructor(id: string) {
    this.id = id;
  }

  /** Records what was tried and the answer, as evidence. */
  saw(what: string, answer: unknown): void {
    this.evidence.push(`${what}: ${show(answer)}`);
  }

  /** Records that the attacker's move worked (the weakness is there). */
  exposed(how: string): void {
    this.exposures.push(how);
  }

  /**
   * Pins the check to the call just made (by any process): the kernel had
   * to answer `want` (an errno, `refused`, the bytes a read gives) and did
   * not. What a C reproducer of the check tests (harness/ctrace).
   */
  judge(what: string, want: string | Uint8Array): void {
    recordJudge(this.id, what, want);
  }

  /** Records a measured figure. */
  measure(key: string, value: number | string): void {
    this.measured[key] = value;
  }
}

function show(v: unknown): string {
  if (v && typeof v === "object" && "ok" in v) {
    const r = v as { ok: boolean; value?: unknown; errno?: string };
    return r.ok ? `ok ${JSON.stringify(r.value)}` : String(r.errno);
  }
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The verdict of a finished check (pure). */
export function verdictOf(
  check: SecurityCheck,
  exposures: readonly string[],
  kernel: readonly string[],
): CheckOutcome["verdict"] {
  if (kernel.length) return "exposed";
  if (!exposures.length) return "pass";
  return check.byDesign ? "by design" : "exposed";
}

/**
 * Kernel report titles earlier checks of this boot saw. `deno test` runs each
 * check file in its own isolate, so they are kept in the guest's scratch
 * directory, which every boot starts empty.
 */
const SEEN_FILE = `${Deno.env.get("TMPDIR") ?? "/tmp"}/udiag-security-seen-titles`;

function seenTitles(): Set<string> {
  try {
    return new Set(Deno.readTextFileSync(SEEN_FILE).split("\n").filter(Boolean));
  } catch {
    return new Set();
  }
}

/** How an ABI's checks find their catalog and whether the ABI is there to attack. */
export interface CheckTestOptions {
  readonly checks: Catalog<SecurityCheck>;
  /** Null when the ABI is present; else why the checks skip. */
  absent(): string | null;
  /** The ABI's canary: the health probe runs after every check (none: no probe). */
  readonly canary?: OpenCanary;
}

/** `check(id, fn)`: registers the Deno test of one check. */
export type CheckTest = (id: string, fn: (t: SecurityContext) => void | Promise<void>) => void;

/** The `check()` of one ABI; without the ABI its checks are ignored (a skip). */
export function checkTests(o: CheckTestOptions): CheckTest {
  return (id, fn) => registerCheck(o.checks.get(id), o.absent(), fn, o.canary);
}

function registerCheck(
  c: SecurityCheck,
  absent: string | null,
  fn: (t: SecurityContext) => void | Promise<void>,
  canary: OpenCanary | undefined,
): void {
  const id = c.id;
  Deno.test({
    name: `[${id}] ${c.statement}${absent === null ? "" : ` # SKIP ${absent}`}`,
    ignore: absent !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    // A check that leaves a consumer broken ends the process (after_case.ts).
    sanitizeExit: false,
    fn: async () => {
      using kmsg = KmsgReader.open() ?? undefined;
      kmsg?.drain();
      markCase(SECURITY_SUITE, id, "start");
      const t = new SecurityContext(id);
      let error: string | undefined;
      let sick = null;
      try {
        await fn(t);
      } catch (e) {
        error = (e as Error).stack ?? String(e);
      } finally {
        try {
          sick = probeAfter(canary, SECURITY_SUITE, id);
        } finally {
          markCase(SECURITY_SUITE, id, "end");
        }
      }
      const said = [...new Set(parseAll(kmsg?.drain() ?? "").map((r) => r.title))];
      // A report an earlier check already exposed (a target that WARNs on
      // every register) is evidence here, not a new exposure: the first check
      // that made it carries it, as syzkaller keeps one report per title.
      const seen = seenTitles();
      const kernel = said.filter((k) => !seen.has(k));
      for (const k of said.filter((x) => seen.has(x))) {
        t.saw("kernel report seen in an earlier check", k);
      }
      if (kernel.length) {
        Deno.writeTextFileSync(SEEN_FILE, kernel.join("\n") + "\n", { append: true });
      }
      const verdict = error ? "error" : verdictOf(c, t.exposures, kernel);
      const outcome: CheckOutcome = {
        event: "check",
        id,
        verdict,
        evidence: t.evidence,
        exposures: t.exposures,
        kernel,
        measured: t.measured,
        ...(error ? { error } : {}),
      };
      sendResult({ ...outcome });
      if (sick) leaveBrokenMachine(sick);
      if (verdict === "error") throw new Error(`${id} could not run: ${error}`);
      if (verdict === "exposed") {
        throw new Error(
          `${id} exposed: ${[...t.exposures, ...kernel.map((k) => `kernel: ${k}`)].join("; ")}`,
        );
      }
    },
  });
}

/**
 * Sets a file's mode and group the way a udev rule would (`GROUP=…,
 * MODE=…`); the old ones come back at the end (`using`).
 */
export function fileMode(path: string, mode: number, gid = 0): Disposable {
  const before = Deno.statSync(path);
  // Through harness/syscall.ts, so a C reproducer of the check sets them too.
  const must = (what: string, r: SysResult<number>) => {
    if (!r.ok) throw new Error(`Cannot ${what} "${path}": ${r.errno}`);
  };
  must("chown", sysChown(path, 0, gid));
  must("chmod", sysChmod(path, mode));
  return {
    [Symbol.dispose]() {
      must("chown", sysChown(path, before.uid ?? 0, before.gid ?? 0));
      must("chmod", sysChmod(path, (before.mode ?? 0o600) & 0o7777));
    },
  };
}
