/**
 * `deno task repro <folder>`: replays a finding (a `reports/` or
 * `docs/…-findings/` folder) from its replay.json in a fresh VM and says
 * whether it still reproduces, as the same finding: a conformance rule or a
 * security check that fails again, a kernel report or a fuzz oracle under its
 * title (the replay's `kind` says which).
 *
 * Exit status: 0 reproduces, 3 does not, 2 bad input, 255 the kernel died
 * some other way.
 *
 * @module
 */
import { conformance } from "../conformance/run.ts";
import { security } from "../security/run.ts";
import { replaySubject, type Subject, subjectGuest } from "../abi/mod.ts";
import { checkInput, runMain, UsageError } from "../harness/cli.ts";
import { runGuest } from "../harness/vm/guest_run.ts";
import { listFindings } from "../harness/report/store.ts";
import { titleKey } from "../harness/report/dedup.ts";
import { type FindingKind, readReplay, type Replay } from "../harness/replay.ts";
import type { ReplayRequest } from "./guest.ts";

/** Exit status when the finding does not reproduce. */
export const NOT_REPRODUCED_EXIT = 3;

/**
 * Whether a replayed kernel report is the finding's (pure): the same title,
 * or for "BUG: scheduling while atomic" (a leaked preempt count noticed
 * wherever the task next schedules) the same report class in another frame.
 */
export function sameReport(got: string, want: string): boolean {
  if (titleKey(got) === titleKey(want)) return true;
  const cls = (t: string) => t.replace(/ in [^ ]+$/, "");
  return cls(want) === "BUG: scheduling while atomic" && cls(got) === cls(want);
}

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

/** What a replay found. */
export interface ReproOutcome {
  readonly reproduced: boolean;
  readonly detail: string;
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
  if (replay.suite === "conformance") {
    await conformance({
      subject,
      ruleIds: replay.rule === "all" ? [] : [replay.rule],
      outDir,
      reportsDir,
    });
  } else {
    await security({ subject, checkIds: [replay.check], outDir, reportsDir });
  }
  const titles = (await listFindings(reportsDir)).map((m) => m.title);
  return {
    reproduced: foundAgain(titles, title, replay.kind),
    detail: titles.join("; ") || `${replay.suite === "conformance" ? "rule" : "check"} passed`,
  };
}

/** Replays a fuzz case or race round in the guest (fuzz/guest.ts --replay). */
async function replayFuzz(
  title: string,
  replay: Replay & { suite: "fuzz" | "race" },
  subject: Subject,
): Promise<ReproOutcome> {
  const reportsDir = await tempReports();
  let replayed: { failed: boolean; title: string | null } | null = null;
  const request: ReplayRequest = { replay, expect: title };
  const res = await runGuest({
    ...subjectGuest(subject),
    // The request goes as a file: nothing from replay.json passes through a shell.
    command:
      `deno run -A fuzz/guest.ts --abi ${subject.abi.name} --replay "$UDIAG_OUT/replay-request.json"`,
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
    reproduced: (r?.failed === true && same(r.title)) || consoleTitles.some(same),
    detail: [
      r
        ? (r.failed ? `case failed: ${r.title}` : "case passed")
        : `no replay result (${res.run.outcome.kind})`,
      consoleTitles.length ? `kernel: ${consoleTitles.join("; ")}` : "kernel: no report",
    ].join("; "),
  };
}

/** Replays the finding in `dir`. */
export async function repro(dir: string): Promise<ReproOutcome> {
  const { title, replay, subject } = await checkInput(async () => {
    const title = (await Deno.readTextFile(`${dir}/title`)).trim();
    const replay = await readReplay(dir);
    return { title, replay, subject: await replaySubject(replay) };
  });
  switch (replay.suite) {
    case "conformance":
    case "security":
      return await replaySuite(title, replay, subject);
    case "fuzz":
    case "race":
      return await replayFuzz(title, replay, subject);
  }
}

if (import.meta.main) {
  runMain(async () => {
    const dir = Deno.args[0]?.replace(/\/$/, "");
    if (!dir || Deno.args.length !== 1 || dir.startsWith("-")) {
      throw new UsageError("Usage: deno task repro <folder with title and replay.json>");
    }
    const out = await repro(dir).catch((e) => {
      if (e instanceof Deno.errors.NotFound || e instanceof SyntaxError) {
        throw new UsageError(`Cannot replay "${dir}": ${(e as Error).message}`);
      }
      throw e;
    });
    console.log(`${out.reproduced ? "reproduces" : "does not reproduce"}: ${dir} (${out.detail})`);
    return out.reproduced ? 0 : NOT_REPRODUCED_EXIT;
  });
}
