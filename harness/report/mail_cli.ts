/**
 * `deno task report <folder>`: prints a finding (a `reports/` or
 * `docs/…-findings/` folder) as a mail-ready report (mail.ts), and copies the
 * kernel's config beside it as `config` when this machine's kernel cache
 * still holds that kernel.
 *
 * Exit status: 0 printed, 2 not a finding folder or bad flags.
 *
 * @module
 */
import { checkInput, parseFlags, runMain, UsageError } from "../cli.ts";
import { cacheRoot } from "../vm/kernel.ts";
import { type MailInput, mailReport } from "./mail.ts";

const USAGE = `Usage: deno task report <folder>
  <folder>          a finding folder (reports/…, docs/…-findings/…) with meta.json

Prints the finding as a mail-ready report; copies the kernel config beside it (config).

Exit status: 0 printed, 2 not a finding folder or bad flags.`;

async function readText(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null;
  }
}

/** Reads a finding folder; throws a UsageError naming what is missing. */
export async function readFinding(folder: string): Promise<MailInput> {
  const metaText = await readText(`${folder}/meta.json`);
  const title = await readText(`${folder}/title`);
  if (metaText === null && title === null) {
    throw new UsageError(`${folder} is not a finding folder: no meta.json and no title`);
  }
  let meta: MailInput["meta"];
  let env: Record<string, unknown>;
  let replayText: string | null = null;
  try {
    replayText = await readText(`${folder}/replay.json`);
    const replay = JSON.parse(replayText ?? "{}");
    // A review's folder holds only title, report and replay.json.
    meta = metaText !== null ? JSON.parse(metaText) : {
      title: title!.trim(),
      kind: replay.kind ?? "unknown",
      cases: replay.suite
        ? [`${replay.suite}/${replay.rule ?? replay.check ?? `seed ${replay.seed ?? "?"}`}`]
        : [],
    };
    env = JSON.parse((await readText(`${folder}/env.json`)) ?? "null") ??
      { target: replay.target, profile: replay.profile ?? "base" };
  } catch (e) {
    throw new UsageError(
      `${folder}: unreadable meta.json, env.json or replay.json: ${(e as Error).message}`,
    );
  }
  if (typeof meta.title !== "string" || !Array.isArray(meta.cases)) {
    throw new UsageError(`${folder}/meta.json has no title or cases`);
  }
  const reproC = await readText(`${folder}/repro.c`);
  const verified = (await readText(`${folder}/repro.c.verified`)) !== null;
  let configPath: string | null = null;
  const key = typeof env.kernelKey === "string" ? env.kernelKey : null;
  const profile = typeof env.profile === "string" ? env.profile : "base";
  const config = key
    ? await readText(`${cacheRoot()}/kernels/${profile}-${key}/tree/.config`)
    : null;
  if (config !== null) {
    configPath = `${folder}/config`;
    await Deno.writeTextFile(configPath, config);
  }
  return {
    folder,
    meta,
    env,
    report: (await readText(`${folder}/report0`)) ?? (await readText(`${folder}/report`)) ??
      "(no report text)",
    ops: await readText(`${folder}/repro.txt`),
    reproC: reproC === null ? null : { text: reproC, verified },
    configPath,
    replayable: replayText !== null,
  };
}

if (import.meta.main) {
  runMain(async () => {
    const folder = await checkInput(() => {
      const { positionals } = parseFlags(Deno.args, { help: { type: "boolean" } }, USAGE, true);
      if (positionals.length !== 1) throw new UsageError("Expected one finding folder");
      return positionals[0]!.replace(/\/+$/, "");
    });
    console.log(mailReport(await readFinding(folder)));
    return 0;
  });
}
