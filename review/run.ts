/**
 * `deno task review --target patch:FILE [--abi NAME] [--profiles LIST] [--time S] [--seed S] [--out FILE.md]`:
 * reviews a kernel patch: ports and builds it beside our kernel, runs the
 * conformance suite, the security checks and a fixed-seed fuzz campaign on it
 * in the KASAN VM, and again the conformance suite and the security checks
 * under each further debug profile (`strict` adds checks a target may not
 * survive at load: a pass that cannot load it is a finding and the others go
 * on; under `faults` only the rules that need fault injection run), and
 * writes the findings document, saying which profile found what
 * (markdown, plus
 * `<out>.json` for the CI regression test, `<out>.sarif` (SARIF 2.1.0 for
 * code scanning: one result per finding, located in the patch; `sarif.ts`)
 * and `<out-dir>/<name>/` replay folders, so that every finding replays from
 * a clean clone with `deno task repro`).
 *
 * `deno task review-rfc` does this for the udiag RFC into docs/.
 *
 * A review replaces its earlier outputs, and only those: the replay folders'
 * directory holds a {@linkcode REVIEW_MARKER} file, and `--out` is refused
 * when its outputs exist without one (`--out docs.md` would replace `docs/`).
 *
 * Exit status: 0 the document was written, 2 bad flags.
 *
 * @module
 */
import { conformance } from "../conformance/run.ts";
import type { Rule } from "../conformance/rule.ts";
import { reproCOrError } from "../fuzz/repro_c.ts";
import { fixedSeedCampaign, summaryMarkdown } from "../fuzz/run.ts";
import { security } from "../security/run.ts";
import { type DocFinding, findingsMarkdown } from "./doc.ts";
import { reviewSarif, type ReviewSarifFinding } from "./sarif.ts";
import { resolveSubject, type Subject, subjectGuest } from "../abi/mod.ts";
import {
  checkInput,
  intFlag,
  parseFlags,
  profileFlag,
  runMain,
  UsageError,
} from "../harness/cli.ts";
import { type FindingMeta, listFindings } from "../harness/report/store.ts";
import { reportDirName } from "../harness/report/dedup.ts";
import { informationUri, patchPath, readIdSpots, writeSarif } from "../harness/report/sarif_io.ts";
import { readReplay, type Replay, withCommand, writeReplay } from "../harness/replay.ts";
import { targetLabel } from "../harness/target.ts";
import { kernelOf } from "../harness/vm/guest_run.ts";
import { buildPatchTarget, type PatchTarget } from "../harness/patch/build.ts";
import { ROOT, rootRelative } from "../harness/paths.ts";

const USAGE = [
  "Usage: deno task review --target patch:FILE [options]",
  "  --abi NAME        the ABI the patch implements                 [udiag]",
  "  --target T        patch:FILE (a driver patch) or kernel:PATCH",
  "  --profiles LIST   kernel debug profiles, a pass each: the first runs every",
  "                    suite; faults runs the rules that need it; the others",
  "                    conformance and security               [base,strict,faults]",
  "  --time SEC        fuzz campaign time                           [60]",
  "  --seed S          fuzz campaign seed                           [1]",
  "  --repro-c         then write and verify a C reproducer of every finding",
  "                    (deno task repro-c: two more boots per finding)",
  "  --out FILE.md     the findings document        [docs/<patch name>-findings.md]",
  "                    beside it: FILE.json, FILE.sarif (SARIF 2.1.0, one result per",
  "                    finding), FILE-security.md and the replay folders FILE/;",
  "                    refused when those exist and no review wrote them",
  "",
  "Exit status: 0 the document was written, 2 bad flags (before anything is built).",
].join("\n");

/** Options of {@linkcode review}. */
export interface ReviewOptions {
  /** The target; its `profile` is ignored: {@linkcode ReviewOptions.profiles} are. */
  readonly subject: Subject;
  /** Debug profiles, a pass each, as {@linkcode passPlan} says. */
  readonly profiles: readonly string[];
  readonly timeSeconds: number;
  readonly seed: number;
  /** The findings document (`docs/<name>-findings.md`). */
  readonly out: string;
  /** Write and verify each finding's C reproducer (`deno task repro-c`). */
  readonly reproC?: boolean;
}

/** Where a review's outputs go, all derived from `out` (pure). */
export function reviewPaths(
  out: string,
): { replayRoot: string; securityDoc: string; json: string; sarif: string } {
  return {
    replayRoot: out.replace(/\.md$/, ""),
    securityDoc: out.replace(/(-findings)?\.md$/, "-security.md"),
    json: out.replace(/\.md$/, ".json"),
    sarif: out.replace(/\.md$/, ".sarif"),
  };
}

/**
 * The file a review leaves in the replay folders' directory: a review
 * replaces only a directory that holds it (or, from before the marker, one
 * whose findings JSON a review wrote), never one it did not create.
 */
export const REVIEW_MARKER = ".udiag-review";

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Whether `json` is a findings JSON a review wrote (target, sha256, findings). */
function isReviewJson(json: string): boolean {
  try {
    const v = JSON.parse(Deno.readTextFileSync(json));
    return typeof v?.target === "string" && typeof v?.sha256 === "string" &&
      Array.isArray(v?.findings);
  } catch {
    return false;
  }
}

/**
 * Checks that the outputs of a review into `out` replace only what an
 * earlier review wrote (its document, JSON, SARIF, security summary and
 * replay folders); throws {@linkcode UsageError} naming the path otherwise.
 */
export function checkReviewOut(out: string): void {
  const { replayRoot, securityDoc, json, sarif } = reviewPaths(out);
  const root = statOrNull(replayRoot);
  if (root !== null && !root.isDirectory) {
    throw new UsageError(
      `Refusing --out "${out}": its replay folder "${replayRoot}" exists and is not a directory`,
    );
  }
  const ours = statOrNull(`${replayRoot}/${REVIEW_MARKER}`) !== null || isReviewJson(json);
  if (ours) return;
  const taken = [replayRoot, out, json, sarif, securityDoc].find((p) => statOrNull(p) !== null);
  if (taken !== undefined) {
    throw new UsageError(
      `Refusing --out "${out}": "${taken}" exists and was not written by deno task review (no ${REVIEW_MARKER} in "${replayRoot}")`,
    );
  }
}

/**
 * What a pass runs (pure): the first pass every suite; a further pass under
 * a profile some rules need (`faults`) only those rules, since its kernel
 * differs from the first's by what only they switch on; any other further
 * pass (`strict`) conformance and security again.
 *
 * ```ts
 * import { passPlan } from "./run.ts";
 * const rule = { statement: "s", source: "src" };
 * const rules = [{ ...rule, id: "A" }, { ...rule, id: "F", profile: "faults" }];
 * if (passPlan(rules, "faults", 2).ruleIds.join() !== "F") throw new Error();
 * if (passPlan(rules, "strict", 1).security !== true) throw new Error();
 * if (passPlan(rules, "base", 0).fuzz !== true) throw new Error();
 * ```
 */
export function passPlan(
  rules: readonly Rule[],
  profile: string,
  pass: number,
): { ruleIds: string[]; security: boolean; fuzz: boolean } {
  const own = rules.filter((r) => r.profile === profile).map((r) => r.id);
  if (pass > 0 && own.length) return { ruleIds: own, security: false, fuzz: false };
  return { ruleIds: [], security: true, fuzz: pass === 0 };
}

/** Runs the suites of one profile's pass into one private reports folder. */
async function runSuites(o: ReviewOptions, subject: Subject, work: string, pass: number) {
  const reportsDir = `${work}/reports`;
  const plan = passPlan(subject.abi.conformance.rules.all, subject.profile, pass);
  await conformance({
    subject,
    ruleIds: plan.ruleIds,
    outDir: `${work}/conformance`,
    reportsDir,
  });
  const conf = JSON.parse(await Deno.readTextFile(`${work}/conformance/verdicts.json`)) as {
    rows: { verdict: string }[];
  };
  const sec = subject.abi.security && plan.security
    ? await security({ subject, checkIds: [], outDir: `${work}/security`, reportsDir })
    : null;
  const fz = subject.abi.fuzz && plan.fuzz
    ? await fixedSeedCampaign({
      subject,
      timeSeconds: o.timeSeconds,
      seed: o.seed,
      reportsDir,
      progress: true,
    })
    : null;
  return { reportsDir, conf, sec, fz };
}

/** One finding of a review, over every profile's pass. */
export interface ProfileFinding {
  /** The first pass's meta, with the counts and cases of every pass that saw it. */
  readonly meta: FindingMeta;
  /** Index of the first pass that found it: its folder is the one published. */
  readonly pass: number;
  readonly profiles: readonly string[];
}

/**
 * The findings of several profiles' passes as one list (pure): a title found
 * by more than one pass is one finding that names them all, published from
 * the first pass that found it (its replay names that pass's profile).
 *
 * @example
 * ```ts
 * import { mergeProfileFindings } from "./run.ts";
 * const m = (title: string) => ({ title, count: 1, cases: ["c"] }) as never;
 * const f = mergeProfileFindings([
 *   { profile: "base", metas: [m("a")] },
 *   { profile: "strict", metas: [m("a"), m("b")] },
 * ]);
 * if (f.map((x) => `${x.meta.title}:${x.profiles}:${x.meta.count}`).join() !== "a:base,strict:2,b:strict:1") {
 *   throw new Error();
 * }
 * ```
 */
export function mergeProfileFindings(
  passes: readonly { readonly profile: string; readonly metas: readonly FindingMeta[] }[],
): ProfileFinding[] {
  const byTitle = new Map<string, ProfileFinding>();
  passes.forEach(({ profile, metas }, pass) => {
    for (const meta of metas) {
      const had = byTitle.get(meta.title);
      byTitle.set(
        meta.title,
        had
          ? {
            ...had,
            meta: {
              ...had.meta,
              count: had.meta.count + meta.count,
              cases: [...new Set([...had.meta.cases, ...meta.cases])],
            },
            profiles: [...had.profiles, profile],
          }
          : { meta, pass, profiles: [profile] },
      );
    }
  });
  return [...byTitle.values()];
}

/**
 * Publishes one finding beside the document: its title, report, repro.txt
 * and replay.json (with the command that replays it from there).
 */
async function publishFinding(
  meta: FindingMeta,
  reportsDir: string,
  replayRoot: string,
): Promise<Omit<DocFinding, "profiles"> & { replay: Replay | null }> {
  const dir = `${reportsDir}/${reportDirName(meta.title)}`;
  const slug = dir.split("/").at(-1)!;
  const out = `${replayRoot}/${slug}`;
  const rel = rootRelative(out);
  const replay = await readReplay(dir).catch(() => null);
  const report = await Deno.readTextFile(`${dir}/report0`);
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(`${out}/title`, meta.title + "\n");
  await Deno.writeTextFile(`${out}/report`, report);
  const repro = await Deno.readTextFile(`${dir}/repro.txt`).catch(() => null);
  if (repro) await Deno.writeTextFile(`${out}/repro.txt`, repro);
  if (replay) await writeReplay(out, withCommand(replay, rel));
  return {
    title: meta.title,
    type: meta.type,
    breaks: meta.breaks ?? "",
    slug,
    cases: meta.cases,
    count: meta.count,
    evidence: report.split("\n").slice(0, 24).join("\n"),
    reproduce: replay ? `deno task repro ${rel}` : "",
    replay,
  };
}

/** Writes the review's SARIF log: a result per finding, located in the patch. */
async function writeReviewSarif(
  s: Subject,
  path: string,
  findings: readonly ReviewSarifFinding[],
): Promise<void> {
  const { conformance: conf, security: sec } = s.abi;
  const checks = sec?.checks.all ?? [];
  const ids = [...conf.rules.all.map((r) => r.id), ...checks.map((c) => c.id)];
  const patch = patchPath(s.target);
  // parseReviewArgs takes only patch targets: this is a bug, not bad input.
  if (patch === undefined) {
    throw new TypeError(`Review target "${targetLabel(s.target)}" is no patch`);
  }
  const log = reviewSarif(findings, {
    abi: s.abi.name,
    rules: conf.rules.all,
    ruleSource: conf.source,
    checks,
    spots: await readIdSpots([...conf.files, ...(sec?.files ?? [])], ids),
    patch,
    ...informationUri(),
  });
  await writeSarif(path, log);
}

/** The header line of the conformance verdicts: "36 rules: 30 pass, 6 fail" (pure). */
export function conformanceLine(rows: readonly { verdict: string }[]): string {
  const t: Record<string, number> = {};
  for (const r of rows) t[r.verdict] = (t[r.verdict] ?? 0) + 1;
  return `${rows.length} rules: ${Object.entries(t).map(([k, v]) => `${v} ${k}`).join(", ")}`;
}

/**
 * The verified C reproducers of the findings in `replayRoot` (a previous
 * review's), by folder name. A folder name is its finding's title hash, so
 * a program is offered only to the same finding.
 */
export async function priorReproCs(replayRoot: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(replayRoot)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out;
    throw e;
  }
  for (const e of entries.filter((e) => e.isDirectory)) {
    const dir = `${replayRoot}/${e.name}`;
    try {
      await Deno.stat(`${dir}/repro.c.verified`);
      out.set(e.name, await Deno.readTextFile(`${dir}/repro.c`));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return out;
}

/** Reviews `o.subject`'s patch; returns the findings written. */
export async function review(o: ReviewOptions): Promise<DocFinding[]> {
  const subjects = o.profiles.map((profile) => ({ ...o.subject, profile }));
  const kernel = await kernelOf(subjectGuest(subjects[0]!).kernel);
  const built: PatchTarget | null = o.subject.target.kind === "patch"
    ? await buildPatchTarget(kernel, o.subject.target.file, `${ROOT}/out/build`)
    : null;
  const id = built?.patchSha256.slice(0, 8) ?? kernel.key;
  const work = `${ROOT}/out/review/${id}`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  // Each pass on its own: one that cannot load the target leaves the others whole.
  const passes = [];
  for (const [i, subject] of subjects.entries()) {
    const k = await kernelOf(subjectGuest(subject).kernel);
    const ran = await runSuites(o, subject, `${work}/${subject.profile}`, i);
    passes.push({ ...ran, profile: subject.profile, kernel: k });
  }
  const { sec, fz } = passes[0]!;
  const { replayRoot, securityDoc, json, sarif } = reviewPaths(o.out);
  checkReviewOut(o.out); // again: the suites took long, the directory may be new
  // The last review's C programs, run again first: two boots become one.
  const priorC = o.reproC ? await priorReproCs(replayRoot) : new Map<string, string>();
  await Deno.remove(replayRoot, { recursive: true }).catch(() => {});
  await Deno.mkdir(replayRoot, { recursive: true });
  await Deno.writeTextFile(
    `${replayRoot}/${REVIEW_MARKER}`,
    "Written by deno task review: the next review into this path replaces this directory.\n",
  );
  const merged = mergeProfileFindings(
    await Promise.all(
      passes.map(async (p) => ({ profile: p.profile, metas: await listFindings(p.reportsDir) })),
    ),
  );
  const metas = merged.map((m) => m.meta);
  const findings = [];
  for (const m of merged) {
    const found = await publishFinding(m.meta, passes[m.pass]!.reportsDir, replayRoot);
    findings.push({ ...found, profiles: m.profiles });
  }
  const label = targetLabel(o.subject.target);
  const fallback =
    `deno task fuzz --abi ${o.subject.abi.name} --target ${label} --seed ${o.seed} --time ${o.timeSeconds}`;
  // The documents are written before the C reproducers and again after
  // each: a long --repro-c phase that is stopped leaves a complete document.
  const reproCs: (string | undefined)[] = findings.map(() =>
    o.reproC ? "pending: the review was stopped before it got to this one" : undefined
  );
  // Fixed here: the closure below would see them as any[] while they grew.
  const ps = [...passes];
  const fs = [...findings];
  const writeDocs = async (): Promise<DocFinding[]> => {
    const docFindings: DocFinding[] = fs.map(({ replay: _, ...f }, i) => ({
      ...f,
      reproduce: f.reproduce || fallback,
      ...(reproCs[i] ? { reproC: reproCs[i] } : {}),
    }));
    const md = findingsMarkdown(
      {
        target: label,
        subject: built?.subject ?? label,
        id: built ? `sha256 ${built.patchSha256}` : `kernel key ${kernel.key}`,
        kernel: `${kernel.release} (linux-source-6.12 ${kernel.sourceVersion}); ${
          ps.map((p) => `profile ${p.profile}: key ${p.kernel.key}`).join(", ")
        }`,
        date: new Date().toISOString().slice(0, 10),
        profiles: ps.map((p, i) =>
          `${p.profile} (${
            ["conformance", ...(p.sec ? ["security"] : []), ...(i ? [] : ["fuzz"])].join(", ")
          })`
        ).join(", "),
        conformance: ps.map((p) => `${p.profile}: ${conformanceLine(p.conf.rows)}`).join("; "),
        fuzz: fz
          ? summaryMarkdown(fz).split("\n").filter((l) =>
            l.startsWith("- covered") || l.startsWith("- seeds")
          ).map((l) => l.slice(2)).join("; ")
          : "none (the ABI has no campaigns)",
        security: sec
          ? `${sec.tally} ([${securityDoc.split("/").at(-1)}](${securityDoc.split("/").at(-1)}))`
          : "none (the ABI has no checks)",
        portSteps: built?.steps.filter((s) => s.applied).map((s) => s.id) ?? [],
        regenerate: o.out.includes("rfc-findings")
          ? "deno task review-rfc"
          : `deno task review --abi ${o.subject.abi.name} --target ${label}`,
      },
      docFindings,
      rootRelative(replayRoot),
    );
    await Deno.mkdir(o.out.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(o.out, md);
    if (sec) {
      // Its findings' folders are published beside the findings document.
      await Deno.writeTextFile(
        securityDoc,
        sec.summary.replaceAll(rootRelative(ps[0]!.reportsDir), rootRelative(replayRoot)),
      );
    }
    await Deno.writeTextFile(
      json,
      JSON.stringify(
        {
          target: label,
          sha256: built?.patchSha256 ?? kernel.key,
          findings: docFindings.map((f) => ({
            title: f.title,
            type: f.type,
            reproduce: f.reproduce,
            profiles: f.profiles,
          })),
        },
        null,
        2,
      ) + "\n",
    );
    await writeReviewSarif(
      o.subject,
      sarif,
      metas.map((meta, i) => ({
        meta,
        reproduce: docFindings[i]!.reproduce,
        folder: `${rootRelative(replayRoot)}/${docFindings[i]!.slug}`,
      })),
    );
    return docFindings;
  };
  await writeDocs();
  for (const [i, f] of (o.reproC ? findings : []).entries()) {
    const dir = `${rootRelative(replayRoot)}/${f.slug}`;
    const r = f.replay
      ? (await reproCOrError(dir, priorC.get(f.slug))).summary
      : "none: the finding has no replay.json to record";
    console.error(`udiag-fuzz: review: ${dir}: C reproducer ${r}`);
    reproCs[i] = r;
    await writeDocs();
  }
  if (built) await Deno.copyFile(`${built.dir}/port.md`, `${replayRoot}/port.md`);
  return await writeDocs();
}

/** Parses and checks the command line (nothing slow starts before it passes). */
export async function parseReviewArgs(args: readonly string[]): Promise<ReviewOptions> {
  const { values: v } = parseFlags(args, {
    abi: { type: "string" },
    target: { type: "string" },
    profiles: { type: "string", default: "base,strict,faults" },
    time: { type: "string", default: "60" },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
    "repro-c": { type: "boolean" },
    help: { type: "boolean" },
  }, USAGE);
  if (v.target === undefined) {
    throw new UsageError("--target is required: patch:FILE or kernel:PATCH");
  }
  const profiles = [...new Set(v.profiles.split(",").map((p) => p.trim()).filter(Boolean))]
    .map((p) => profileFlag(p, "--profiles"));
  if (!profiles.length) throw new UsageError(`Invalid --profiles "${v.profiles}": name one`);
  const subject = await resolveSubject({ ...v, profile: profiles[0]! });
  const t = subject.target;
  if (t.kind !== "patch" && !(t.kind === "kernel" && t.patch !== null)) {
    throw new UsageError(
      `--target ${targetLabel(t)} is not one review takes: expected patch:FILE or kernel:PATCH`,
    );
  }
  const file = t.kind === "patch" ? t.file : t.patch!;
  const name = file.split("/").at(-1)!.replace(/\.[^.]*$/, "");
  const out = v.out ?? `${ROOT}/docs/${name}-findings.md`;
  if (!out.endsWith(".md")) throw new UsageError(`Invalid --out "${out}": expected a FILE.md`);
  await checkReviewOut(out);
  return {
    subject,
    profiles,
    timeSeconds: intFlag("time", v.time, 1),
    seed: intFlag("seed", v.seed, -(2 ** 31)),
    out,
    reproC: v["repro-c"] === true,
  };
}

if (import.meta.main) {
  runMain(async () => {
    const o = await checkInput(() => parseReviewArgs(Deno.args));
    const f = await review(o);
    console.log(`udiag-fuzz: ${f.length} finding(s) -> ${o.out}`);
    return 0;
  });
}
