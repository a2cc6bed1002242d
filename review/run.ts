/**
 * `deno task review --target patch:FILE [--time S] [--seed S] [--out FILE.md]`:
 * reviews a kernel patch: ports and builds it beside our kernel, runs the
 * conformance suite and a fixed-seed fuzz campaign on it in the KASAN VM, and
 * writes the findings document (markdown, plus `<out>.json` for the CI
 * regression test and `<out-dir>/<name>/` replay folders, so that every
 * finding replays from a clean clone with `deno task repro`).
 *
 * `deno task review-rfc` does this for the udiag RFC into docs/.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { conformance } from "../conformance/run.ts";
import { fuzz, summaryMarkdown } from "../fuzz/run.ts";
import { type FindingMeta, listFindings } from "../harness/report/store.ts";
import { parseTarget, type Target, targetLabel } from "../harness/target.ts";
import { RULES } from "../conformance/rules.ts";
import { type DocFinding, findingsMarkdown } from "./doc.ts";
import { ensureKernel } from "../harness/vm/kernel.ts";
import { buildPatchTarget } from "../harness/patch/build.ts";
import { security } from "../security/run.ts";
import { reportDirName } from "../harness/report/dedup.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** The command that replays a finding, and the replay.json that lets it. */
function replayFor(
  dir: string,
  meta: FindingMeta,
  target: Target,
  replay: Record<string, unknown> | null,
): Record<string, unknown> | null {
  if (replay) return { ...replay, target: targetLabel(target) };
  // kmemleak reports at the end of a run, so the last case mark says nothing
  // about where the leak was made: replay the whole suite.
  if (meta.type === "KMEMLEAK" && meta.cases.some((c) => c.startsWith("conformance/"))) {
    return { suite: "conformance", rule: "all", target: targetLabel(target) };
  }
  // A kernel report during a conformance rule replays with that rule.
  const rule = meta.cases.map((c) => /^conformance\/(UD-[A-Z]+-\d+)$/.exec(c)?.[1]).find(Boolean);
  if (rule) return { suite: "conformance", rule, target: targetLabel(target) };
  // One seen during a security check replays with that check.
  const check = meta.cases.map((c) => /^security\/(SEC-[A-Z]+-\d+)$/.exec(c)?.[1]).find(Boolean);
  if (check) return { suite: "security", check, target: targetLabel(target) };
  // One seen during a race round replays with that round.
  const race = meta.cases.map((c) => /^fuzz\/race\/(-?\d+)\/(\d+x\d+)$/.exec(c)).find(Boolean);
  if (race) {
    return {
      suite: "fuzz/race",
      seed: Number(race[1]),
      path: race[2],
      target: targetLabel(target),
    };
  }
  void dir;
  return null;
}

/** Reviews `target`; returns the findings written. */
export async function review(o: {
  target: Target & { kind: "patch" };
  timeSeconds: number;
  seed: number;
  out: string;
}): Promise<DocFinding[]> {
  const kernel = await ensureKernel();
  const built = await buildPatchTarget(kernel, o.target.file, `${ROOT}/out/build`);
  const work = `${ROOT}/out/review/${built.patchSha256.slice(0, 8)}`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  const reportsDir = `${work}/reports`;
  await conformance({ target: o.target, ruleIds: [], outDir: `${work}/conformance`, reportsDir });
  const conf = JSON.parse(await Deno.readTextFile(`${work}/conformance/verdicts.json`));
  const sec = await security({
    target: o.target,
    checkIds: [],
    outDir: `${work}/security`,
    reportsDir,
  });
  const securityDoc = o.out.replace(/(-findings)?\.md$/, "-security.md");
  const fz = await fuzz({
    target: o.target,
    timeSeconds: o.timeSeconds,
    runs: 0,
    seed: o.seed,
    jobs: 1,
    shard: { index: 1, count: 1 },
    maxCommands: 30,
    reportsDir,
    progress: true,
  });
  const replayRoot = o.out.replace(/\.md$/, "");
  await Deno.remove(replayRoot, { recursive: true }).catch(() => {});
  const findings: DocFinding[] = [];
  for (const meta of await listFindings(reportsDir)) {
    const dir = `${reportsDir}/${reportDirName(meta.title)}`;
    const slug = dir.split("/").at(-1)!;
    const replayJson = await Deno.readTextFile(`${dir}/replay.json`).then(JSON.parse).catch(() =>
      null
    );
    const replay = replayFor(dir, meta, o.target, replayJson);
    const report = await Deno.readTextFile(`${dir}/report0`);
    const out = `${replayRoot}/${slug}`;
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(`${out}/title`, meta.title + "\n");
    await Deno.writeTextFile(`${out}/report`, report);
    const repro = await Deno.readTextFile(`${dir}/repro.txt`).catch(() => null);
    if (repro) await Deno.writeTextFile(`${out}/repro.txt`, repro);
    const rel = out.replace(`${ROOT}/`, "");
    if (replay) {
      await Deno.writeTextFile(
        `${out}/replay.json`,
        JSON.stringify({ ...replay, command: `deno task repro ${rel}` }, null, 2) + "\n",
      );
    }
    findings.push({
      title: meta.title,
      type: meta.type,
      slug,
      cases: meta.cases,
      count: meta.count,
      evidence: report.split("\n").slice(0, 24).join("\n"),
      reproduce: replay
        ? `deno task repro ${rel}`
        : `deno task fuzz --target ${
          targetLabel(o.target)
        } --seed ${o.seed} --time ${o.timeSeconds}`,
    });
  }
  const t = conf.rows.reduce(
    (a: Record<string, number>, r: { verdict: string }) => ({
      ...a,
      [r.verdict]: (a[r.verdict] ?? 0) + 1,
    }),
    {},
  );
  const md = findingsMarkdown(
    {
      target: targetLabel(o.target),
      subject: built.subject,
      sha256: built.patchSha256,
      kernel:
        `${kernel.release} (linux-source-6.12 ${kernel.sourceVersion}, profile ${kernel.profile}, key ${kernel.key})`,
      date: new Date().toISOString().slice(0, 10),
      conformance: `${conf.rows.length} rules: ${
        Object.entries(t).map(([k, v]) => `${v} ${k}`).join(", ")
      }`,
      fuzz: summaryMarkdown(fz).split("\n").filter((l) =>
        l.startsWith("- covered") || l.startsWith("- seeds")
      )
        .map((l) => l.slice(2)).join("; "),
      security: `${sec.tally} ([${securityDoc.split("/").at(-1)}](${
        securityDoc.split("/").at(-1)
      }))`,
      portSteps: built.steps.filter((s) => s.applied).map((s) => s.id),
      regenerate: o.out.includes("rfc-findings")
        ? "deno task review-rfc"
        : `deno task review --target ${targetLabel(o.target)}`,
    },
    findings,
    RULES,
    replayRoot.replace(`${ROOT}/`, ""),
  );
  await Deno.mkdir(o.out.replace(/\/[^/]+$/, ""), { recursive: true });
  await Deno.writeTextFile(o.out, md);
  // Its findings' folders are published beside the findings document.
  await Deno.writeTextFile(
    securityDoc,
    sec.summary.replaceAll(reportsDir.replace(`${ROOT}/`, ""), replayRoot.replace(`${ROOT}/`, "")),
  );
  await Deno.writeTextFile(
    o.out.replace(/\.md$/, ".json"),
    JSON.stringify(
      {
        target: targetLabel(o.target),
        sha256: built.patchSha256,
        findings: findings.map((f) => ({ title: f.title, type: f.type, reproduce: f.reproduce })),
      },
      null,
      2,
    ) + "\n",
  );
  await Deno.copyFile(`${built.dir}/port.md`, `${replayRoot}/port.md`);
  return findings;
}

if (import.meta.main) {
  let v;
  let target: Target;
  try {
    v = parseArgs({
      args: Deno.args,
      options: {
        target: { type: "string" },
        time: { type: "string", default: "60" },
        seed: { type: "string", default: "1" },
        out: { type: "string" },
      },
    }).values;
    target = parseTarget(v.target);
    if (target.kind !== "patch") throw new TypeError("--target must be patch:FILE");
    for (const k of ["time", "seed"] as const) {
      if (!Number.isInteger(Number(v[k]))) {
        throw new TypeError(`Invalid --${k} "${v[k]}": expected an integer`);
      }
    }
  } catch (e) {
    console.error(
      `${
        (e as Error).message
      }\nUsage: deno task review --target patch:FILE [--time S] [--seed S] [--out FILE.md]`,
    );
    Deno.exit(2);
  }
  const name = target.file.split("/").at(-1)!.replace(/\.[^.]*$/, "");
  const out = v.out ?? `${ROOT}/docs/${name}-findings.md`;
  const f = await review({ target, timeSeconds: Number(v.time), seed: Number(v.seed), out });
  console.log(`udiag-fuzz: ${f.length} finding(s) -> ${out}`);
}
