/**
 * `deno task repro reports/<folder>`: replays a finding from its replay.json
 * in a fresh VM and says whether it still reproduces, under the same title.
 *
 * Exit status: 0 reproduces, 3 does not, 2 bad input, 255 the kernel died
 * some other way.
 *
 * @module
 */
import { runGuest } from "../harness/vm/vm_cli.ts";
import { BROKEN_VARIANTS, type BrokenVariant } from "../harness/vm/module.ts";
import { conformance } from "../conformance/run.ts";
import { listFindings } from "../harness/report/store.ts";
import { titleKey } from "../harness/report/dedup.ts";
import { shellQuote } from "../harness/vm/initramfs.ts";
import { parseTarget } from "../harness/target.ts";
import { security } from "../security/run.ts";

/** What replay.json of a fuzz or conformance finding holds. */
export interface Replay {
  readonly suite: "fuzz/model" | "fuzz/raw" | "fuzz/race" | "conformance" | "security";
  readonly seed?: number;
  readonly path?: string;
  readonly replayPath?: string;
  readonly maxCommands?: number;
  /** A rule ID, or "all" for a report only the whole suite shows (kmemleak). */
  readonly rule?: string;
  /** A security check ID. */
  readonly check?: string;
  readonly broken?: string;
  readonly profile?: string;
  /** `kmod` or `patch:FILE`. */
  readonly target?: string;
}

/** Validates a parsed replay.json (pure); throws a TypeError naming what is wrong. */
export function checkReplay(v: unknown): Replay {
  const r = v as Record<string, unknown>;
  if (!r || typeof r !== "object") throw new TypeError("replay.json is not an object");
  if (r.suite === "fuzz/model" || r.suite === "fuzz/raw" || r.suite === "fuzz/race") {
    if (typeof r.seed !== "number" || typeof r.path !== "string") {
      throw new TypeError(
        `replay.json of suite "${r.suite}" needs a numeric seed and a string path`,
      );
    }
  } else if (r.suite === "conformance") {
    if (typeof r.rule !== "string") {
      throw new TypeError('replay.json of suite "conformance" needs a rule');
    }
  } else if (r.suite === "security") {
    if (typeof r.check !== "string") {
      throw new TypeError('replay.json of suite "security" needs a check');
    }
  } else {
    throw new TypeError(`replay.json names an unknown suite "${String(r.suite)}"`);
  }
  if (
    r.broken !== undefined && !(BROKEN_VARIANTS as readonly string[]).includes(String(r.broken))
  ) {
    throw new TypeError(`replay.json names an unknown broken variant "${String(r.broken)}"`);
  }
  return r as unknown as Replay;
}

/**
 * Whether a replayed title is the finding's (pure): the same title, or for
 * "BUG: scheduling while atomic" (a leaked preempt count noticed wherever the
 * task next schedules) the same report class in another frame.
 */
export function sameReport(got: string, want: string): boolean {
  if (titleKey(got) === titleKey(want)) return true;
  const cls = (t: string) => t.replace(/ in [^ ]+$/, "");
  return cls(want) === "BUG: scheduling while atomic" && cls(got) === cls(want);
}

/**
 * Whether a suite's replay found `want` again (pure): a conformance violation
 * or security weakness when its rule or check fails again (what it does
 * first wrong can depend on state), a kernel report under its own title.
 */
export function foundAgain(titles: readonly string[], want: string): boolean {
  const id = /^(conformance|security) /.test(want) ? want.split(":")[0]! : null;
  return titles.some((t) => id ? t.split(":")[0] === id : sameReport(t, want));
}

/** Replays the finding in `dir`; true when the same title comes back. */
export async function repro(dir: string): Promise<{ reproduced: boolean; detail: string }> {
  const title = (await Deno.readTextFile(`${dir}/title`)).trim();
  const replay = checkReplay(JSON.parse(await Deno.readTextFile(`${dir}/replay.json`)));
  const broken = replay.broken as BrokenVariant | undefined;
  const target = parseTarget(replay.target ?? "kmod");
  if (replay.suite === "conformance") {
    const reportsDir = await Deno.makeTempDir({ prefix: "udiag-repro-" });
    await conformance({
      target,
      ruleIds: replay.rule === "all" ? [] : [replay.rule!],
      outDir: `${reportsDir}/out`,
      reportsDir,
      ...(broken ? { broken } : {}),
    });
    const titles = (await listFindings(reportsDir)).map((m) => m.title);
    return {
      reproduced: foundAgain(titles, title),
      detail: titles.join("; ") || "rule passed",
    };
  }
  if (replay.suite === "security") {
    const reportsDir = await Deno.makeTempDir({ prefix: "udiag-repro-" });
    await security({
      target,
      checkIds: [replay.check!],
      outDir: `${reportsDir}/out`,
      reportsDir,
      ...(broken ? { broken } : {}),
    });
    const titles = (await listFindings(reportsDir)).map((m) => m.title);
    return {
      reproduced: foundAgain(titles, title),
      detail: titles.join("; ") || "check passed",
    };
  }
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-repro-" });
  let replayed: { failed: boolean; title: string | null } | null = null;
  const res = await runGuest({
    command: `deno run -A fuzz/guest.ts --replay ${replay.seed}:${replay.path} --replay-path '${
      replay.replayPath ?? ""
    }' --max-commands ${replay.maxCommands ?? 30} --suites ${replay.suite.slice("fuzz/".length)}${
      title.startsWith("fuzz: enable byte after") ? "" : " --lenient-page"
    } --expect ${shellQuote(title)}`,
    ...(broken ? { broken } : {}),
    ...(replay.profile ? { profile: replay.profile } : {}),
    target,
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
  const reproduced = (r?.failed === true && same(r.title)) || consoleTitles.some(same);
  return {
    reproduced,
    detail: [
      r
        ? (r.failed ? `case failed: ${r.title}` : "case passed")
        : `no replay result (${res.run.outcome.kind})`,
      consoleTitles.length ? `kernel: ${consoleTitles.join("; ")}` : "kernel: no report",
    ].join("; "),
  };
}

if (import.meta.main) {
  const dir = Deno.args[0]?.replace(/\/$/, "");
  if (!dir || Deno.args.length !== 1) {
    console.error("Usage: deno task repro reports/<folder>");
    Deno.exit(2);
  }
  let out;
  try {
    out = await repro(dir);
  } catch (e) {
    if (e instanceof TypeError || e instanceof Deno.errors.NotFound || e instanceof SyntaxError) {
      console.error(`Cannot replay "${dir}": ${(e as Error).message}`);
      Deno.exit(2);
    }
    throw e;
  }
  console.log(`${out.reproduced ? "reproduces" : "does not reproduce"}: ${dir} (${out.detail})`);
  Deno.exit(out.reproduced ? 0 : 3);
}
