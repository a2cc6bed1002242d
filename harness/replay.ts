/**
 * `replay.json`: how `deno task repro` replays a finding, one typed record for
 * every suite (a union on `suite`), written and read here only. Keys never
 * change meaning (syzkaller's `CallProps` rule); a new suite is a new member.
 *
 * Pure but for {@linkcode readReplay} and {@linkcode writeReplay}.
 *
 * @module
 */

/** What kind of finding a replay must show again, and how it is matched. */
export type FindingKind =
  /** A kernel report (KASAN, lockdep, …): matched by its title. */
  | "kernel"
  /** An ABI rule broken: matched by the rule's ID. */
  | "conformance"
  /** An attacker's move that worked: matched by the check's ID. */
  | "security"
  /** The kernel disagreed with a fuzz oracle: matched by the title. */
  | "fuzz"
  /** A rule or check left a trace consumer broken (harness/health): matched by the title. */
  | "health"
  /** The test machine died or went silent without a report. */
  | "runner";

/** The kinds, for validation. */
export const FINDING_KINDS: readonly FindingKind[] = [
  "kernel",
  "conformance",
  "security",
  "fuzz",
  "health",
  "runner",
];

/** What every replay names: what it looks for, the ABI, and what implemented it. */
export interface ReplayBase {
  readonly kind: FindingKind;
  /** `--abi`: the ABI plug-in (`abi/<name>/`). */
  readonly abi: string;
  /** `--target`, as `targetLabel()` prints it. */
  readonly target: string;
  /** A test-only broken variant of the ABI's own implementation. */
  readonly broken?: string;
  /** Kernel debug profile. */
  readonly profile?: string;
  /** The command that replays it from a clean clone, once the folder is known. */
  readonly command?: string;
}

/** A conformance rule (`"all"`: a report only the whole suite shows, such as a kmemleak). */
export interface ConformanceReplay extends ReplayBase {
  readonly suite: "conformance";
  readonly rule: string;
}

/** A security check (`"all"`: a report only the whole suite shows, such as a kmemleak). */
export interface SecurityReplay extends ReplayBase {
  readonly suite: "security";
  readonly check: string;
}

/** One fast-check case of a fuzz campaign, by seed, path and replayPath. */
export interface FuzzCaseReplay extends ReplayBase {
  readonly suite: "fuzz";
  /** The ABI's campaign: `model`, `raw`, … */
  readonly campaign: string;
  readonly seed: number;
  /** fast-check's counterexample path. */
  readonly path: string;
  /** fast-check's record of which generated commands ran. */
  readonly replayPath: string;
  readonly maxCommands: number;
  /**
   * The version of the campaigns' generators that made it (fuzz/campaign.ts
   * GENERATOR); absent: 1, from before the field.
   */
  readonly generator?: number;
  /** The fast-check version that generated it: another may generate other cases. */
  readonly fastCheck: string;
  /** Whether the campaign's own replay of the shrunk case failed again. */
  readonly reproducedInCampaign?: boolean;
}

/** One round of racing worker processes (not deterministic: rerun up to N times). */
export interface RaceReplay extends ReplayBase {
  readonly suite: "race";
  readonly campaign: string;
  /** Seed of the first worker; worker i runs seed + i. */
  readonly seed: number;
  readonly workers: number;
  readonly ms: number;
}

/** Every replay. */
export type Replay = ConformanceReplay | SecurityReplay | FuzzCaseReplay | RaceReplay;

/**
 * A field's type, and the values it takes: every value of replay.json is
 * checked when it is read, so none that could change a command line (a name
 * with a space, a `;`, a `$(…)`) or ask for the impossible gets any further.
 */
type Field =
  | "string"
  | "boolean"
  /** A name or ID: letters, digits, `_`, `.`, `-`. */
  | "name"
  /** A `--target` as targetLabel() prints it, its file a plain path. */
  | "target"
  /** An integer in [min, max]. */
  | { readonly min: number; readonly max: number };

type Fields = Record<string, Field>;

/** What a name or ID may hold. */
export const NAME_RE = /^[\w.-]+$/;

const SEED = { min: -(2 ** 31), max: 2 ** 32 - 1 } as const;
const BASE: Fields = { abi: "name", target: "target" };
const OPTIONAL: Fields = {
  broken: "name",
  profile: "name",
  command: "string",
  reproducedInCampaign: "boolean",
  generator: { min: 1, max: 1000 },
};
const BY_SUITE: Record<Replay["suite"], Fields> = {
  conformance: { rule: "name" },
  security: { check: "name" },
  fuzz: {
    campaign: "name",
    seed: SEED,
    path: "string",
    replayPath: "string",
    maxCommands: { min: 1, max: 10_000 },
    fastCheck: "name",
  },
  race: {
    campaign: "name",
    seed: SEED,
    workers: { min: 1, max: 1024 },
    ms: { min: 1, max: 3_600_000 },
  },
};

/** The JSON type a field holds. */
function jsonType(f: Field): "string" | "number" | "boolean" {
  return typeof f === "object" ? "number" : f === "boolean" ? "boolean" : "string";
}

/** Why `v` (of the right JSON type) is not a value of `f`, or null when it is. */
function badValue(v: unknown, f: Field): string | null {
  if (typeof f === "object") {
    const n = v as number;
    return Number.isInteger(n) && n >= f.min && n <= f.max
      ? null
      : `expected an integer from ${f.min} to ${f.max}`;
  }
  if (f === "name") {
    return NAME_RE.test(v as string) ? null : "expected a name of letters, digits, _ . -";
  }
  if (f === "target") {
    const t = v as string;
    const file = /^(?:patch|kernel):(.*)$/.exec(t)?.[1];
    if (file !== undefined) {
      return /^[\w./+-]+$/.test(file) && !file.startsWith("-")
        ? null
        : "expected a patch path of letters, digits, _ . / + -";
    }
    return ["kmod", "local", "kernel"].includes(t)
      ? null
      : "expected kmod, local, kernel, patch:FILE or kernel:PATCH";
  }
  return null;
}

/**
 * Checks a parsed replay.json; throws a TypeError naming the first field
 * that is missing, of the wrong type or out of range (names and IDs are
 * letters, digits, `_`, `.`, `-`; integers in the range the suites take).
 *
 * @example
 * ```ts
 * import { parseReplay } from "./replay.ts";
 * const r = parseReplay({ suite: "conformance", kind: "conformance", abi: "udiag", target: "kmod", rule: "UD-DEL-002" });
 * if (r.suite !== "conformance" || r.rule !== "UD-DEL-002") throw new Error();
 * ```
 */
export function parseReplay(v: unknown): Replay {
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    throw new TypeError("replay.json is not an object");
  }
  const r = v as Record<string, unknown>;
  const suite = r.suite;
  if (typeof suite !== "string" || !(suite in BY_SUITE)) {
    throw new TypeError(
      `replay.json names an unknown suite "${String(suite)}": expected ${
        Object.keys(BY_SUITE).join(", ")
      }`,
    );
  }
  if (!FINDING_KINDS.includes(r.kind as FindingKind)) {
    throw new TypeError(
      `replay.json names an unknown kind "${String(r.kind)}": expected ${FINDING_KINDS.join(", ")}`,
    );
  }
  const need = { ...BASE, ...BY_SUITE[suite as Replay["suite"]] };
  const check = (k: string, f: Field) => {
    const bad = badValue(r[k], f);
    if (bad !== null) {
      throw new TypeError(`replay.json field "${k}" ${JSON.stringify(r[k])} is invalid: ${bad}`);
    }
  };
  for (const [k, f] of Object.entries(need)) {
    if (!hasType(r[k], jsonType(f))) {
      throw new TypeError(`replay.json of suite "${suite}" needs ${jsonType(f)} "${k}"`);
    }
    check(k, f);
  }
  for (const [k, f] of Object.entries(OPTIONAL)) {
    if (r[k] === undefined) continue;
    if (!hasType(r[k], jsonType(f))) {
      throw new TypeError(`replay.json field "${k}" must be a ${jsonType(f)}`);
    }
    check(k, f);
  }
  if (suite === "fuzz" && !/^\d+(:\d+)*$/.test(r.path as string)) {
    throw new TypeError(`replay.json path "${r.path}" is not a fast-check path`);
  }
  if (suite === "fuzz" && !/^[A-Za-z0-9+/=:_-]*$/.test(r.replayPath as string)) {
    throw new TypeError(`replay.json replayPath "${r.replayPath}" is not a fast-check replayPath`);
  }
  return r as unknown as Replay;
}

function hasType(v: unknown, type: "string" | "number" | "boolean"): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
  }
}

/**
 * How surely a replay shows its finding again (pure), lower first: one rule
 * or check reruns the same calls; a fuzz case reruns its shrunk commands; a
 * whole suite (`rule: "all"`) reruns more than the finding needs; a race
 * round depends on scheduling. A kernel report seen under several keeps the
 * surest, so `deno task repro` and `repro-c` replay that one.
 */
export function replayRank(r: Replay): number {
  switch (r.suite) {
    case "conformance":
      return r.rule === "all" ? 2 : 0;
    case "security":
      return r.check === "all" ? 2 : 0;
    case "fuzz":
      return 1;
    case "race":
      return 3;
  }
}

/** replay.json's text for a replay: keys in a stable order. */
export function showReplay(r: Replay): string {
  return JSON.stringify(r, null, 2) + "\n";
}

/**
 * Reads and checks `<dir>/replay.json`; throws a TypeError naming the file
 * and what is wrong with it (not JSON, a field missing or invalid).
 */
export async function readReplay(dir: string): Promise<Replay> {
  const file = `${dir}/replay.json`;
  const text = await Deno.readTextFile(file);
  try {
    return parseReplay(JSON.parse(text));
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof TypeError) {
      throw new TypeError(`Invalid ${file}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** Writes `<dir>/replay.json` (temp file + rename: never half written). */
export async function writeReplay(dir: string, r: Replay): Promise<void> {
  const tmp = `${dir}/replay.json.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(tmp, showReplay(parseReplay(r)));
  await Deno.rename(tmp, `${dir}/replay.json`);
}

/** The same replay with its command: `deno task repro <folder>`. */
export function withCommand<R extends Replay>(r: R, folder: string): R {
  const arg = /^[\w./:=@+-]+$/.test(folder) ? folder : `'${folder.replaceAll("'", `'\\''`)}'`;
  return { ...r, command: `deno task repro ${arg}` };
}

/**
 * How a kernel report seen only on the console replays, from the case it was
 * seen in (`"suite/case"` of its mark; pure): a conformance rule or security
 * check replays with that rule or check, a race round with that round. A
 * kmemleak report comes at the end of a run, so its case says nothing of
 * where the leak was made: it replays with the whole suite it was seen in
 * (conformance or security); one seen before any case ran was made loading
 * the target, and replays with the whole conformance suite, which loads it
 * again, as does any report made while the guest loaded the target. Null
 * when nothing replays it (a fuzz case's report comes with the case's own
 * replay; a report from boot has none).
 *
 * @example
 * ```ts
 * import { replayForCase } from "./replay.ts";
 * const base = { kind: "kernel" as const, abi: "udiag", target: "kmod" };
 * const r = replayForCase(base, "fuzz/race/7/3x3000", "WARNING");
 * if (r?.suite !== "race" || r.seed !== 7 || r.workers !== 3 || r.ms !== 3000) throw new Error();
 * const leak = replayForCase(base, "security/SEC-PG-001", "KMEMLEAK");
 * if (leak?.suite !== "security" || leak.check !== "all") throw new Error();
 * ```
 */
export function replayForCase(
  base: ReplayBase,
  caseRef: string | null,
  type: string,
): Replay | null {
  if (caseRef === "load" || (caseRef === null && type === "KMEMLEAK")) {
    return { ...base, suite: "conformance", rule: "all" };
  }
  const slash = caseRef?.indexOf("/") ?? -1;
  if (caseRef === null || slash < 0) return null;
  const suite = caseRef.slice(0, slash);
  const id = caseRef.slice(slash + 1);
  if (suite === "conformance") {
    return { ...base, suite: "conformance", rule: type === "KMEMLEAK" ? "all" : id };
  }
  if (suite === "security") {
    return { ...base, suite: "security", check: type === "KMEMLEAK" ? "all" : id };
  }
  if (type === "KMEMLEAK") return null;
  const round = /^(\w+)\/(-?\d+)\/(\d+)x(\d+)$/.exec(id);
  if (suite === "fuzz" && round) {
    return {
      ...base,
      suite: "race",
      campaign: round[1]!,
      seed: Number(round[2]),
      workers: Number(round[3]),
      ms: Number(round[4]),
    };
  }
  return null;
}
