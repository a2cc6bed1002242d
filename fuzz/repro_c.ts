/**
 * `deno task repro-c <folder>…`: writes a standalone C reproducer for a
 * finding and proves it, as syzbot does before it mails one.
 *
 * 1. Replays the finding (`deno task repro`'s replay) with every system call
 *    of the guest recorded (harness/ctrace/record.ts), actors and race
 *    workers included; a replay that does not show the finding stops here.
 * 2. Writes the recording as C (harness/ctrace/emit_c.ts): plain syscalls,
 *    one process per recorded process, the oracle's check on the judged call.
 * 3. Builds it `gcc -static`, boots the same kernel and target, runs only the
 *    program, and requires the same finding: the console report under the
 *    same title, or the program printing the same rule, check or fuzz title.
 * 4. Writes `repro.c` into the folder, and `repro.c.verified` (the evidence)
 *    only when step 3 saw it; an unverified one is removed.
 *
 * Exit status: 0 every folder has a verified repro.c; 1 a reproducer ran and
 * did not show the finding; 3 a replay did not show it (nothing written); 5
 * no reproducer can be written for a folder (the reason is printed); 2 bad
 * input; 4 a VM or build failed (cannot tell). The worst status wins.
 *
 * @module
 */
import { readFinding, replayFinding } from "./repro.ts";
import { sameReport } from "../harness/report/dedup.ts";
import { type Subject, subjectGuest } from "../abi/mod.ts";
import { checkInput, oneLine, parseFlags, runMain, UsageError } from "../harness/cli.ts";
import {
  describeOutcome,
  recordedTraces,
  recordSyscalls,
  runGuest,
} from "../harness/vm/guest_run.ts";
import { shellQuote } from "../harness/vm/initramfs.ts";
import { listFindings } from "../harness/report/store.ts";
import { capture } from "../harness/proc.ts";
import { ROOT } from "../harness/paths.ts";
import { sha256Hex } from "../harness/sha256.ts";
import { readTrace, type Trace } from "../harness/ctrace/trace.ts";
import { DONE_LINE, emitC, foundLines } from "../harness/ctrace/emit_c.ts";
import type { FindingKind, Replay } from "../harness/replay.ts";

const USAGE = `Usage: deno task repro-c <folder>...
  <folder>   a finding's folder (reports/… or docs/…-findings/…) with title and replay.json

Records the finding's replay, writes it as a standalone C program (repro.c in
the folder), boots the same kernel, runs only that program and marks it
verified (repro.c.verified) when it shows the same finding.

Exit status: 0 verified; 1 the program did not show the finding; 3 the replay
did not show it; 5 no reproducer can be written (the reason is printed); 4 a
VM or build failed; 2 bad input.`;

/** Exit statuses, in the order the worst wins. */
export const EXIT = { verified: 0, unverified: 1, cannotTell: 4, notReplayed: 3, noC: 5 } as const;

/** How many times a race reproducer repeats its processes in one boot. */
const RACE_REPEAT = 20;

/** How many replays may fail another way ({@linkcode showedItself}) before repro-c gives up. */
const REPLAY_TRIES = 3;

/** What a finding looks for in a reproducer's run. */
export interface Wanted {
  /** A kernel report's title, matched on the console. */
  readonly report: string | null;
  /** What the program prints when the kernel answers wrong: rule ID, check ID or title. */
  readonly printed: string | null;
}

/**
 * What to look for (pure): a kernel report's title (also when a rule or check
 * failed by one: `security SEC-X: kernel report: WARNING in f`), else what
 * the judged call's check prints (the rule or check ID, or the fuzz title).
 */
export function wanted(title: string, replay: Replay): Wanted {
  const inner = /: kernel report: (.+)$/.exec(title);
  if (replay.kind === "kernel" || replay.kind === "runner") return { report: title, printed: null };
  if (inner) return { report: inner[1]!, printed: null };
  if (replay.suite === "conformance") return { report: null, printed: replay.rule };
  if (replay.suite === "security") return { report: null, printed: replay.check };
  return { report: null, printed: title };
}

/** Whether a reproducer's run showed the finding (pure), and the evidence. */
export function verdictOf(
  want: Wanted,
  run: { readonly stdout: string; readonly consoleTitles: readonly string[] },
): { readonly verified: boolean; readonly evidence: string } {
  const printed = foundLines(run.stdout);
  if (want.report !== null) {
    const hit = run.consoleTitles.find((t) => sameReport(t, want.report!));
    return hit
      ? { verified: true, evidence: `console: ${hit}` }
      : { verified: false, evidence: `console: ${run.consoleTitles.join("; ") || "no report"}` };
  }
  const hit = printed.find((p) => p === want.printed || sameReport(p, want.printed!));
  const done = run.stdout.includes(DONE_LINE) ? "ran to its end" : "did not run to its end";
  return hit ? { verified: true, evidence: `program printed: found: ${hit}` } : {
    verified: false,
    evidence: `program ${done}; printed ${printed.length ? printed.join("; ") : "no finding"}`,
  };
}

/**
 * Whether a replay showed the finding itself (pure): `deno task repro` takes
 * the same rule or check failing as the finding again, but a program needs
 * the failure itself: the same kernel report, or the judged call of the
 * rule, check or fuzz oracle (a check that failed first on a kernel report,
 * or on what earlier checks left behind, never made it).
 */
export function showedItself(
  want: Wanted,
  titles: readonly string[],
  trace: Trace | null,
): boolean {
  if (want.report !== null) return titles.some((t) => sameReport(t, want.report!));
  return trace?.some((p) =>
    p.events.some((e) =>
      e.ev === "judge" && (e.finding === want.printed || sameReport(e.finding, want.printed!))
    )
  ) ?? false;
}

/** The kind the emitter checks for: a report seen through a rule is a kernel finding. */
function emitKind(want: Wanted, kind: FindingKind): FindingKind {
  return want.report !== null ? "kernel" : kind;
}

/** The recording to write as C: the last run that holds a judged call, else the last. */
async function pickTrace(dirs: readonly string[], needJudge: boolean): Promise<Trace | null> {
  let last: Trace | null = null;
  for (const d of [...dirs].reverse()) {
    const t = await readTrace(d).catch(() => null);
    if (!t?.length) continue;
    last ??= t;
    if (!needJudge || t.some((p) => p.events.some((e) => e.ev === "judge"))) return t;
  }
  return last;
}

async function removeIfThere(path: string): Promise<void> {
  await Deno.remove(path).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

/** What became of one folder's C reproducer: its exit status and in words. */
export interface ReproCResult {
  readonly status: number;
  /** `verified (evidence)`, `NOT verified (…)`, `none: why`, `not replayed (…)`. */
  readonly summary: string;
}

/** Records, writes, builds and proves the C reproducer of one folder. */
export async function reproC(
  dir: string,
  /**
   * A program an earlier run wrote for this finding (`deno task review`
   * keeps them across reviews of one patch): run first, on this kernel, and
   * kept only if it shows the finding again; else the replay is recorded anew.
   */
  prior?: string,
): Promise<ReproCResult> {
  const f = await readFinding(dir);
  const { title, replay, subject } = f;
  if (subject.target.kind === "local") {
    return { status: EXIT.noC, summary: "none: a --target local finding has no VM to prove it in" };
  }
  if (replay.profile === "faults") {
    // The recorded calls would replay without the fault that made the finding.
    return {
      status: EXIT.noC,
      summary: "none: the finding needs a fault injected in one call (fail-nth), which the C " +
        "reproducer does not arm; deno task repro replays it",
    };
  }
  const want = wanted(title, replay);
  const say = (s: string) => console.error(`udiag-fuzz: repro-c ${dir}: ${s}`);
  if (prior !== undefined) {
    say("booting the same kernel to run the earlier review's C program again");
    const binary = await buildReproC(prior);
    const run = await runReproC(subject, binary, want);
    if (run.verified) {
      await writeVerified(dir, prior, run, replay.target, binary);
      return {
        status: EXIT.verified,
        summary: `verified (${run.evidence}; earlier program, run again)`,
      };
    }
    say(`the earlier program did not show it (${run.evidence}); recording the replay anew`);
  }

  say("replaying it with system calls recorded");
  recordSyscalls(true);
  let trace: Trace | null;
  try {
    for (let i = 1;; i++) {
      const replayed = await replayFinding(f);
      if (!replayed.found) {
        return {
          status: replayed.ranToEnd ? EXIT.notReplayed : EXIT.cannotTell,
          summary: `none: the recorded replay did not show the finding (${replayed.detail})`,
        };
      }
      trace = await pickTrace(recordedTraces(), want.report === null);
      if (showedItself(want, replayed.titles, trace)) break;
      if (i === REPLAY_TRIES) {
        return {
          status: EXIT.notReplayed,
          summary: `none: ${i} recorded replays failed another way (${replayed.detail})`,
        };
      }
      say(`the replay failed another way (${replayed.detail}); replaying again`);
    }
  } finally {
    recordSyscalls(false);
  }
  if (!trace) return { status: EXIT.noC, summary: "none: the replay recorded no system call" };
  const race = replay.suite === "race";
  const emitted = emitC(trace, {
    title,
    kind: emitKind(want, replay.kind),
    command: `deno task repro ${dir}`,
    ...(race ? { concurrent: true, repeat: RACE_REPEAT } : {}),
  });
  if (!emitted.ok) return { status: EXIT.noC, summary: `none: ${emitted.reason}` };

  const binary = await buildReproC(emitted.source);
  say("booting the same kernel to run only the C program");
  const run = await runReproC(subject, binary, want);
  if (run.verified) {
    await writeVerified(dir, emitted.source, run, replay.target, binary);
    return { status: EXIT.verified, summary: `verified (${run.evidence})` };
  }
  await Deno.writeTextFile(`${dir}/repro.c`, emitted.source);
  await removeIfThere(`${dir}/repro.c.verified`);
  return {
    status: run.conclusive ? EXIT.unverified : EXIT.cannotTell,
    summary: `NOT verified (${run.evidence}; ${run.ended})`,
  };
}

/** Writes `repro.c` and the evidence that it showed the finding. */
async function writeVerified(
  dir: string,
  source: string,
  run: ReproCRun,
  target: string,
  binary: string,
): Promise<void> {
  await Deno.writeTextFile(`${dir}/repro.c`, source);
  await Deno.writeTextFile(
    `${dir}/repro.c.verified`,
    [
      `kernel ${run.kernel}, target ${target}`,
      `command: ${shellQuote(binary)} in a fresh VM`,
      `evidence: ${run.evidence}`,
      "",
    ].join("\n"),
  );
}

/**
 * Builds a reproducer `gcc -static` under out/repro-c/<hash>/ (the guest
 * sees the host's root read-only); returns the binary's path.
 */
export async function buildReproC(source: string): Promise<string> {
  const work = `${ROOT}/out/repro-c/${(await sha256Hex(source)).slice(0, 16)}`;
  await Deno.mkdir(work, { recursive: true });
  await Deno.writeTextFile(`${work}/repro.c`, source);
  await capture("gcc", ["-static", "-O1", "-Wall", "-o", `${work}/repro`, `${work}/repro.c`]);
  return `${work}/repro`;
}

/** What one boot running only a reproducer showed. */
export interface ReproCRun {
  readonly verified: boolean;
  readonly evidence: string;
  /** The program ran to its end or the kernel reported: a "not verified" means something. */
  readonly conclusive: boolean;
  readonly ended: string;
  /** `release (key)`. */
  readonly kernel: string;
}

/** Boots `subject`'s kernel and target, runs only `binary`, and looks for `want`. */
export async function runReproC(
  subject: Subject,
  binary: string,
  want: Wanted,
): Promise<ReproCRun> {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-repro-c-" });
  const res = await runGuest({
    ...subjectGuest(subject),
    command: shellQuote(binary),
    reportsDir,
    echoGuest: true,
    timeoutSeconds: 600,
  });
  const consoleTitles = (await listFindings(reportsDir)).map((m) => m.title);
  const v = verdictOf(want, { stdout: res.run.guestLog, consoleTitles });
  return {
    ...v,
    conclusive: res.run.outcome.kind === "exited" || consoleTitles.length > 0,
    ended: describeOutcome(res.run),
    kernel: `${res.kernel.release} (${res.kernel.key})`,
  };
}

/** {@linkcode reproC}, with a failed build or VM as "cannot tell" (printed, not thrown). */
export async function reproCOrError(dir: string, prior?: string): Promise<ReproCResult> {
  try {
    return await reproC(dir, prior);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    console.error(e);
    return { status: EXIT.cannotTell, summary: `none: cannot tell (${oneLine(String(e))})` };
  }
}

/** The worst of two statuses (pure): the later in {@linkcode EXIT}'s order. */
export function worse(a: number, b: number): number {
  const order: number[] = Object.values(EXIT);
  return order.indexOf(b) > order.indexOf(a) ? b : a;
}

async function main(args: readonly string[]): Promise<number> {
  const dirs = await checkInput(async () => {
    const { positionals } = parseFlags(args, { help: { type: "boolean" } }, USAGE, true);
    if (!positionals.length) {
      throw new UsageError(
        "No folder given: deno task repro-c <folder with title and replay.json>",
      );
    }
    const dirs = positionals.map((p) => p.replace(/(.)\/+$/, "$1"));
    // Every folder is checked before anything is built or booted.
    for (const d of dirs) await readFinding(d);
    return dirs;
  });
  let status: number = EXIT.verified;
  for (const d of dirs) {
    const r = await reproCOrError(d);
    console.log(`${d}: C reproducer ${r.summary}`);
    status = worse(status, r.status);
  }
  return status;
}

if (import.meta.main) runMain(() => main(Deno.args));
