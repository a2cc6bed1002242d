/**
 * `deno task repro <folder>`: replays a finding (a `reports/` or
 * `docs/…-findings/` folder) from its replay.json in a fresh VM and says
 * whether it still reproduces, as the same finding: a conformance rule or a
 * security check that fails again, a kernel report or a fuzz oracle under its
 * title (the replay's `kind` says which).
 *
 * Exit status: 0 reproduces; 3 does not: the replay ran to its end without
 * the finding; 4 cannot tell: the replay never ran to its end (the VM was
 * lost, timed out or went silent, the guest never ran the replay, the rule
 * or check could not run, the kernel or module would not build); 2 bad input
 * (a missing folder, a malformed replay.json), before anything is built or
 * booted; 255 the kernel died some other way. {@linkcode reproVerdict} decides.
 *
 * @module
 */
import { conformance } from "../conformance/run.ts";
import { security } from "../security/run.ts";
import { replaySubject, type Subject, subjectGuest } from "../abi/mod.ts";
import { checkInput, oneLine, parseFlags, runMain, UsageError } from "../harness/cli.ts";
import { describeOutcome, runGuest } from "../harness/vm/guest_run.ts";
import { KERNEL_DIED_EXIT, type VmOutcome } from "../harness/vm/runner.ts";
import { shellQuote } from "../harness/vm/initramfs.ts";
import { listFindings } from "../harness/report/store.ts";
import { sameReport } from "../harness/report/dedup.ts";
import { type FindingKind, readReplay, type Replay } from "../harness/replay.ts";
import type { ReplayRequest } from "./guest.ts";
import { guestDenoRun } from "../harness/vm/guest_bundle.ts";

/** Exit status when the replay ran to its end without the finding. */
export const NOT_REPRODUCED_EXIT = 3;

/** Exit status when the replay never ran to its end: no verdict on the finding. */
export const INCONCLUSIVE_EXIT = 4;

const USAGE = `Usage: deno task repro <folder>
  <folder>   a finding's folder (reports/… or docs/…-findings/…) with title and replay.json

Replays the finding in a fresh VM (or on this machine for a --target local
conformance finding) and says whether it still shows.

Exit status: 0 reproduces; 3 does not (the replay ran to its end without the
finding); 4 cannot tell (the VM was lost, timed out or went silent, the guest
never ran the replay, the rule or check could not run, or the build failed);
2 bad input (missing folder, malformed replay.json); 255 the kernel died some
other way.`;

/**
 * Whether a replay found the finding again (pure): for a conformance or
 * security finding, its rule or check failing again (what it does wrong first
 * can depend on state), for the rest a title that is the same report.
 */
export function foundAgain(titles: readonly string[], want: string, kind: FindingKind): boolean {
  if (kind === "conformance" || kind === "security") {
    const id = want.split(":")[0]!;
    return titles.some((t) => t.split(":")[0] === id);
  }
  return titles.some((t) => sameReport(t, want));
}

/** What a replay saw, whatever ran it. */
export interface ReplayRun {
  /** The finding showed again. */
  readonly found: boolean;
  /** The case, round, rule or check ran to its end and reported its result. */
  readonly ranToEnd: boolean;
  /** How the VM ended (`exited` also for a replay on this machine). */
  readonly vm: VmOutcome["kind"];
}

/** A replay's verdict. */
export type ReproStatus = "reproduces" | "does not reproduce" | "cannot tell" | "kernel died";

/**
 * The verdict of a replay and its exit status (pure): the finding seen again
 * reproduces (a panic may be the finding); "does not reproduce" only when
 * the replay ran to its end in a VM that ended normally; a kernel that died
 * without the finding is another finding (255); anything else (the VM lost,
 * timed out, silent or stopped, the replay never reported) cannot tell.
 */
export function reproVerdict(r: ReplayRun): { status: ReproStatus; exitCode: number } {
  if (r.found) return { status: "reproduces", exitCode: 0 };
  if (r.vm === "panic") return { status: "kernel died", exitCode: KERNEL_DIED_EXIT };
  if (r.ranToEnd && r.vm === "exited") {
    return { status: "does not reproduce", exitCode: NOT_REPRODUCED_EXIT };
  }
  return { status: "cannot tell", exitCode: INCONCLUSIVE_EXIT };
}

/** What a replay found. */
export interface ReproOutcome extends ReplayRun {
  readonly detail: string;
  /** Every finding the replay showed: the case's, the rule's or check's, the console's. */
  readonly titles: readonly string[];
}

/** A finding read and checked by {@linkcode readFinding}. */
export interface Finding {
  readonly title: string;
  readonly replay: Replay;
  readonly subject: Subject;
}

async function tempReports(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "udiag-repro-" });
}

/** Replays a conformance or security finding by rerunning its rule or check. */
async function replaySuite(
  title: string,
  replay: Replay & { suite: "conformance" | "security" },
  subject: Subject,
): Promise<ReproOutcome> {
  const reportsDir = await tempReports();
  const outDir = `${reportsDir}/out`;
  let ranToEnd: boolean;
  let died: boolean;
  if (replay.suite === "conformance") {
    const code = await conformance({
      subject,
      ruleIds: replay.rule === "all" ? [] : [replay.rule],
      outDir,
      reportsDir,
    });
    const { rows } = JSON.parse(await Deno.readTextFile(`${outDir}/verdicts.json`)) as {
      rows: { rule: { id: string }; verdict: string }[];
    };
    const mine = rows.filter((r) => replay.rule === "all" || r.rule.id === replay.rule);
    ranToEnd = mine.length > 0 && mine.every((r) => r.verdict === "pass" || r.verdict === "fail");
    died = code === KERNEL_DIED_EXIT;
  } else {
    const all = replay.check === "all";
    const res = await security({
      subject,
      checkIds: all ? [] : [replay.check],
      outDir,
      reportsDir,
    });
    ranToEnd = all
      ? res.outcomes.length > 0 && res.outcomes.every((o) => o.verdict !== "error")
      : res.outcomes.some((o) => o.id === replay.check && o.verdict !== "error");
    died = res.exitCode === KERNEL_DIED_EXIT;
  }
  const titles = (await listFindings(reportsDir)).map((m) => m.title);
  const what = replay.suite === "conformance" ? "rule" : "check";
  return {
    found: foundAgain(titles, title, replay.kind),
    ranToEnd,
    vm: died ? "panic" : "exited",
    detail: titles.join("; ") || (ranToEnd ? `${what} passed` : `${what} did not run to its end`),
    titles,
  };
}

/** Replays a fuzz case or race round in the guest (fuzz/guest.ts --replay). */
async function replayFuzz(
  title: string,
  replay: Replay & { suite: "fuzz" | "race" },
  subject: Subject,
): Promise<ReproOutcome> {
  await subject.abi.fuzz?.prepare?.();
  const reportsDir = await tempReports();
  let replayed: { failed: boolean; title: string | null } | null = null;
  const request: ReplayRequest = { replay, expect: title };
  const res = await runGuest({
    ...subjectGuest(subject),
    // The request goes as a file: nothing from replay.json passes through a shell.
    command: guestDenoRun(
      "fuzz/guest.ts",
      `--abi ${shellQuote(subject.abi.name)} --replay "$UDIAG_OUT/replay-request.json"`,
    ),
    files: { "replay-request.json": JSON.stringify(request) },
    reportsDir,
    echoGuest: true,
    timeoutSeconds: 600,
    onResult: (r) => {
      if (r.event === "replay") {
        replayed = { failed: Boolean(r.failed), title: (r.title as string | null) ?? null };
      }
    },
  });
  const consoleTitles = (await listFindings(reportsDir)).map((m) => m.title);
  const r = replayed as { failed: boolean; title: string | null } | null;
  const same = (t: string | null) => t !== null && sameReport(t, title);
  return {
    found: (r?.failed === true && same(r.title)) || consoleTitles.some(same),
    ranToEnd: r !== null,
    vm: res.run.outcome.kind,
    detail: [
      r
        ? (r.failed ? `case failed: ${r.title}` : "case passed")
        : `no replay result (${describeOutcome(res.run)})`,
      consoleTitles.length ? `kernel: ${consoleTitles.join("; ")}` : "kernel: no report",
    ].join("; "),
    titles: [...(r?.failed && r.title !== null ? [r.title] : []), ...consoleTitles],
  };
}

/**
 * Reads and checks the finding in `dir` (nothing slow starts before it
 * passes): its title, its replay.json (every field), the subject it names
 * (ABI, target file, profile) and the rule or check it replays. Throws a
 * TypeError naming the file or field.
 */
export async function readFinding(dir: string): Promise<Finding> {
  const read = async <T>(file: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        throw new TypeError(`Cannot replay "${dir}": no ${file} in it`);
      }
      throw e;
    }
  };
  const stat = await Deno.stat(dir).catch(() => null);
  if (!stat?.isDirectory) throw new TypeError(`Cannot replay "${dir}": no such folder`);
  const title = (await read("title", () => Deno.readTextFile(`${dir}/title`))).trim();
  if (!title) throw new TypeError(`Cannot replay "${dir}": its title file is empty`);
  const replay = await read("replay.json", () => readReplay(dir));
  const subject = await replaySubject(replay);
  if (subject.target.kind === "local" && replay.suite !== "conformance") {
    throw new TypeError(
      `Invalid ${dir}/replay.json: target "local" replays conformance findings only`,
    );
  }
  if (replay.suite === "conformance" && replay.rule !== "all") {
    subject.abi.conformance.rules.get(replay.rule);
  }
  if (replay.suite === "security") {
    if (!subject.abi.security) {
      throw new TypeError(`Invalid ${dir}/replay.json: ABI "${subject.abi.name}" has no checks`);
    }
    if (replay.check !== "all") subject.abi.security.checks.get(replay.check);
  }
  return { title, replay, subject };
}

/** Replays the finding `f` (from {@linkcode readFinding}). */
export async function replayFinding(f: Finding): Promise<ReproOutcome> {
  const { title, replay, subject } = f;
  switch (replay.suite) {
    case "conformance":
    case "security":
      return await replaySuite(title, replay, subject);
    case "fuzz":
    case "race":
      return await replayFuzz(title, replay, subject);
  }
}

/** Replays the finding in `dir`; `reproduced` is {@linkcode reproVerdict}'s "reproduces". */
export async function repro(dir: string): Promise<ReproOutcome & { reproduced: boolean }> {
  const out = await replayFinding(await readFinding(dir));
  return { ...out, reproduced: reproVerdict(out).status === "reproduces" };
}

async function main(args: readonly string[]): Promise<number> {
  const { dir, finding } = await checkInput(async () => {
    const { positionals } = parseFlags(args, { help: { type: "boolean" } }, USAGE, true);
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length
          ? `Too many arguments "${positionals.join(" ")}": deno task repro takes one folder`
          : "No folder given: deno task repro <folder with title and replay.json>",
      );
    }
    const dir = positionals[0]!.replace(/(.)\/+$/, "$1");
    return { dir, finding: await readFinding(dir) };
  });
  let out: ReproOutcome;
  try {
    out = await replayFinding(finding);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // The build, the tools or the VM failed: no verdict on the finding.
    console.error(e);
    out = {
      found: false,
      ranToEnd: false,
      vm: "lost",
      detail: `replay failed: ${oneLine(String(e))}`,
      titles: [],
    };
  }
  const v = reproVerdict(out);
  console.log(`${v.status}: ${dir} (${out.detail})`);
  return v.exitCode;
}

if (import.meta.main) runMain(() => main(Deno.args));
