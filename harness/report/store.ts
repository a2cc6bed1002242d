/**
 * Writes findings to `reports/`: one folder per distinct title, on disk before
 * the caller restarts anything. Layout (keys never change meaning):
 *
 * ```
 * reports/<slug(title)>-<hash8(title)>/
 *   title        the dedup key, one line
 *   meta.json    type, first/last seen, count, where found
 *   README.md    the markdown summary a reviewer reads
 *   log0…9       console excerpt per occurrence (oldest overwritten)
 *   report0…9    the extracted kernel report per occurrence
 *   repro.txt    the operations, one per line, with expected results
 *   replay.json  how `deno task repro` replays it
 *   env.json     kernel release, profile, config key, target
 *   meta.json.lock  held while an occurrence is merged in
 * ```
 *
 * @module
 */
import { reportDirName } from "./dedup.ts";
import {
  type FindingKind,
  readReplay,
  type Replay,
  replayRank,
  showReplay,
  withCommand,
} from "../replay.ts";
import { rootRelative } from "../paths.ts";
import { withLock } from "../lock.ts";

/** Logs kept per finding, as syzkaller keeps log0…log9. */
export const MAX_LOGS = 10;

/** One occurrence of a finding. */
export interface Finding {
  readonly title: string;
  /** What kind of finding it is, and so how a replay recognises it (replay.ts). */
  readonly kind: FindingKind;
  /** Class: "KASAN", "WARNING", "CONFORMANCE", … (see classes.ts). */
  readonly type: string;
  /** The extracted report (kernel oops or violation text). */
  readonly report: string;
  /** The surrounding console log. */
  readonly log: string;
  /** The case that was running ("suite/case"), if known. */
  readonly case?: string | null;
  /** The rule or invariant it breaks, in words (findings documents quote it). */
  readonly breaks?: string;
  readonly repro?: string;
  readonly replay?: Replay;
  readonly env: Record<string, unknown>;
  readonly corrupted?: boolean;
  /** For security findings: how bad, which weakness class, and whether the ABI allows it. */
  readonly security?: SecurityClass;
}

/** Severity and weakness class of a security finding. */
export interface SecurityClass {
  readonly severity: string;
  /** "CWE-416 Use After Free". */
  readonly cwe: string;
  /** The conformance rule that allows it, when it is a property of the ABI as designed. */
  readonly byDesign?: string;
}

/** Metadata kept in meta.json. */
export interface FindingMeta {
  readonly title: string;
  readonly kind: FindingKind;
  readonly type: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  readonly cases: string[];
  readonly corrupted: boolean;
  readonly breaks?: string;
  readonly security?: SecurityClass;
}

/** What {@linkcode saveFinding} did. */
export interface Saved {
  readonly dir: string;
  readonly isNew: boolean;
  readonly logIndex: number;
  readonly meta: FindingMeta;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  // Unique per call: two jobs of one process may write one folder at once.
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null;
  }
}

/** The markdown summary of a finding (pure). */
export function findingMarkdown(f: Finding, meta: FindingMeta): string {
  const lines = [
    `# ${f.title}`,
    "",
    `- type: ${meta.type}${meta.corrupted ? " (report corrupted)" : ""}; kind: ${meta.kind}`,
    ...(f.security
      ? [
        `- severity: ${f.security.severity}; class: ${f.security.cwe}${
          f.security.byDesign ? `; by design (${f.security.byDesign})` : ""
        }`,
      ]
      : []),
    `- seen: ${meta.count} time(s), first ${meta.firstSeen}, last ${meta.lastSeen}`,
    `- running case(s): ${meta.cases.length ? meta.cases.join(", ") : "unknown"}`,
    ...Object.entries(f.env).map(([k, v]) => `- ${k}: ${String(v)}`),
    "",
    "## Report",
    "",
    "```",
    f.report.trimEnd(),
    "```",
  ];
  if (f.repro) {
    lines.push(
      "",
      "## Operations (this occurrence; repro.txt keeps the shortest)",
      "",
      "```",
      f.repro.trimEnd(),
      "```",
    );
  }
  if (f.replay?.command) {
    lines.push("", "## Replay", "", "```", f.replay.command, "```");
  }
  lines.push(
    "",
    "Files: `log<N>` console excerpt, `report<N>` extracted report, `env.json`, `replay.json`.",
    "",
  );
  return lines.join("\n");
}

function breaksOf(b: string | undefined): { breaks?: string } {
  return b === undefined ? {} : { breaks: b };
}

/**
 * Saves one occurrence under `root`, merging with an earlier folder of the
 * same title. The folder is locked while it is read and rewritten: two
 * campaigns on one checkout, or two jobs of one, may file one title at once.
 */
export async function saveFinding(root: string, occurrence: Finding): Promise<Saved> {
  const dir = `${root}/${reportDirName(occurrence.title)}`;
  await Deno.mkdir(dir, { recursive: true });
  return await withLock(`${dir}/meta.json`, () => merge(dir, occurrence));
}

/** Merges one occurrence into folder `dir` (the caller holds its lock). */
async function merge(dir: string, occurrence: Finding): Promise<Saved> {
  // Every replay says how to run it, now that its folder is known.
  const f: Finding = occurrence.replay
    ? { ...occurrence, replay: withCommand(occurrence.replay, rootRelative(dir)) }
    : occurrence;
  const old = await readJson<FindingMeta>(`${dir}/meta.json`);
  if (old && old.title !== f.title) {
    throw new Error(
      `Report folder "${dir}" holds title "${old.title}", not "${f.title}"`,
    );
  }
  const now = new Date().toISOString();
  const count = (old?.count ?? 0) + 1;
  const cases = [...(old?.cases ?? [])];
  if (f.case && !cases.includes(f.case)) cases.push(f.case);
  const meta: FindingMeta = {
    title: f.title,
    kind: f.kind,
    type: f.type,
    firstSeen: old?.firstSeen ?? now,
    lastSeen: now,
    count,
    cases,
    corrupted: (old?.corrupted ?? true) && (f.corrupted ?? false),
    ...breaksOf(f.breaks ?? old?.breaks),
    ...(f.security ? { security: f.security } : {}),
  };
  const logIndex = (count - 1) % MAX_LOGS;
  await writeAtomic(`${dir}/log${logIndex}`, f.log);
  await writeAtomic(`${dir}/report${logIndex}`, f.report);
  await writeAtomic(`${dir}/title`, f.title + "\n");
  await writeAtomic(`${dir}/env.json`, JSON.stringify(f.env, null, 2) + "\n");
  await keepBestReplay(dir, f);
  await writeAtomic(`${dir}/README.md`, findingMarkdown(f, meta));
  // meta.json last: a folder with meta.json is complete.
  await writeAtomic(`${dir}/meta.json`, JSON.stringify(meta, null, 2) + "\n");
  return { dir, isNew: old === null, logIndex, meta };
}

/**
 * Keeps the folder's best replay.json and its repro.txt together (the
 * caller holds the folder's lock). The surest replay wins (replayRank: a
 * rule that showed a kernel report over the race round that showed it too,
 * even when the round brought operations); between equally sure ones the
 * shortest reproducer, as syzkaller keeps its best: a later occurrence whose
 * shrinking was cut short must not replace a better one.
 */
async function keepBestReplay(dir: string, f: Finding): Promise<void> {
  const oldReplay = await readReplay(dir).catch(() => null);
  const oldRepro = await Deno.readTextFile(`${dir}/repro.txt`).catch(() => null);
  const lines = (t: string) => t.trimEnd().split("\n").length;
  const rank = f.replay ? replayRank(f.replay) : Infinity;
  const oldRank = oldReplay ? replayRank(oldReplay) : Infinity;
  const better = rank < oldRank ||
    (rank === oldRank && f.repro !== undefined &&
      (oldRepro === null || lines(f.repro) < lines(oldRepro)));
  if (!better) return;
  if (f.replay) await writeAtomic(`${dir}/replay.json`, showReplay(f.replay));
  // repro.txt is always the operations of the replay kept.
  if (f.repro) await writeAtomic(`${dir}/repro.txt`, f.repro.trimEnd() + "\n");
  else await Deno.remove(`${dir}/repro.txt`).catch(() => {});
}

/** Lists the findings under `root` (folders with a meta.json). */
export async function listFindings(root: string): Promise<FindingMeta[]> {
  const out: FindingMeta[] = [];
  try {
    for await (const e of Deno.readDir(root)) {
      if (!e.isDirectory) continue;
      const m = await readJson<FindingMeta>(`${root}/${e.name}/meta.json`);
      if (m) out.push(m);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}
