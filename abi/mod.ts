/**
 * Finds ABI plug-ins by name: `abi/<name>/plugin.ts` exports one as
 * `default` (see plugin.ts), so a new ABI is a new folder and nothing else.
 * Also checks an ABI against the flags that depend on it (`--target`,
 * `--broken`), before anything slow starts.
 *
 * @module
 */
import type { AbiPlugin, ModuleMutant } from "./plugin.ts";
import { parseTarget, type Target, targetFile, targetLabel } from "../harness/target.ts";
import type { GuestRunOptions } from "../harness/vm/guest_run.ts";
import { type FindingKind, type ReplayBase, replayForCase } from "../harness/replay.ts";
import { ROOT } from "../harness/paths.ts";
import { PROFILES } from "../harness/vm/kernel.ts";

/** The ABI the CLIs test when `--abi` is not given. */
export const DEFAULT_ABI = "udiag";

/** Names of the ABIs in `abi/`: folders with a plugin.ts. */
export function abiNames(): string[] {
  const dir = new URL("./", import.meta.url);
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isDirectory && exists(new URL(`${e.name}/plugin.ts`, dir)))
    .map((e) => e.name)
    .sort();
}

function exists(u: URL): boolean {
  try {
    Deno.statSync(u);
    return true;
  } catch {
    return false;
  }
}

/**
 * Plug-ins a guest bundle carries, by name (harness/vm/guest_bundle.ts):
 * the bundle cannot follow the import below, whose path is computed.
 */
const BUNDLED = new Map<string, unknown>();

/** Registers a plug-in module bundled with its entry; `loadAbi` then checks and returns it. */
export function registerBundledAbi(name: string, mod: unknown): void {
  BUNDLED.set(name, mod);
}

/** Loads the plug-in of ABI `name`; throws a TypeError naming the known ones. */
export async function loadAbi(name: string): Promise<AbiPlugin> {
  const known = abiNames();
  if (!/^\w+$/.test(name) || !known.includes(name)) {
    throw new TypeError(`Unknown --abi "${name}": expected one of ${known.join(", ")}`);
  }
  const mod = (BUNDLED.get(name) ??
    await import(new URL(`./${name}/plugin.ts`, import.meta.url).href)) as {
      default?: AbiPlugin;
    };
  const plugin = mod.default;
  if (!plugin || plugin.name !== name) {
    throw new TypeError(`abi/${name}/plugin.ts does not export the "${name}" plug-in as default`);
  }
  return plugin;
}

/**
 * Checks a target and a broken variant against the ABI; throws a TypeError
 * naming what it accepts. A patch file must exist.
 */
export function checkTarget(abi: AbiPlugin, target: Target, broken: string | null): void {
  if (!abi.targets.includes(target.kind)) {
    throw new TypeError(
      `--target ${targetLabel(target)} is not one ABI "${abi.name}" runs on: expected ${
        abi.targets.map((k) => k === "patch" ? "patch:FILE" : k).join(", ")
      }${abi.targets.includes("kernel") ? " or kernel:PATCH" : ""}`,
    );
  }
  if (broken !== null && !abi.brokenVariants.includes(broken)) {
    throw new TypeError(
      `Unknown --broken "${broken}" for ABI "${abi.name}": expected ${
        abi.brokenVariants.join(", ") || "none (it has no broken variants)"
      }`,
    );
  }
  if (broken !== null && target.kind !== "kmod") {
    throw new TypeError(`--broken builds the ABI's own module: it needs --target kmod`);
  }
  const file = targetFile(target);
  if (file !== null) {
    let ok = false;
    try {
      ok = Deno.statSync(file).isFile;
    } catch {
      ok = false;
    }
    if (!ok) throw new TypeError(`Cannot read --target file "${file}": no such file`);
  }
}

/** What a suite runs against: an ABI, what implements it, and on which kernel. */
export interface Subject {
  readonly abi: AbiPlugin;
  readonly target: Target;
  /** A test-only broken variant of the ABI's own module, or null. */
  readonly broken: string | null;
  /** Kernel debug profile. */
  readonly profile: string;
  /** A mutant of the ABI's own module in place of it (`deno task mutate`). */
  readonly mutant?: ModuleMutant;
}

/**
 * Resolves `--abi`, `--target`, `--broken` and `--profile` (checked values
 * of `profile`) into a subject; throws a TypeError naming what is wrong.
 */
export async function resolveSubject(flags: {
  readonly abi?: string | undefined;
  readonly target?: string | undefined;
  readonly broken?: string | undefined;
  readonly profile: string;
}): Promise<Subject> {
  const abi = await loadAbi(flags.abi ?? DEFAULT_ABI);
  const target = flags.target === undefined ? defaultTarget(abi) : parseTarget(flags.target);
  const broken = flags.broken ?? null;
  checkTarget(abi, target, broken);
  return { abi, target, broken, profile: flags.profile };
}

/** The ABI's default target: its first kind. */
export function defaultTarget(abi: AbiPlugin): Target {
  const kind = abi.targets[0];
  if (kind === "kmod" || kind === "local") return { kind };
  if (kind === "kernel") return { kind: "kernel", patch: null };
  throw new TypeError(`ABI "${abi.name}" has no default target: give --target`);
}

/** The subject as findings and summaries name it: `udiag kmod (broken: SKIP_EBUSY)`. */
export function subjectLabel(s: Subject): string {
  return `${s.abi.name} ${targetLabel(s.target)}${s.broken ? ` (broken: ${s.broken})` : ""}${
    s.mutant ? ` (mutant: ${s.mutant.id})` : ""
  }`;
}

/** What the engine's runGuest needs to boot the subject: its kernel and what to load. */
export function subjectGuest(
  s: Subject,
): Pick<GuestRunOptions, "kernel" | "load" | "replayOf"> {
  return {
    // A console finding replays the case it was found in, when the marks name one.
    replayOf: (f) => replayForCase(replayBase(s, f.kind), f.case ?? null, f.type) ?? undefined,
    kernel: { profile: s.profile, patch: s.target.kind === "kernel" ? s.target.patch : null },
    load: (kernel) =>
      s.abi.load({
        target: s.target,
        kernel,
        buildRoot: `${ROOT}/out/build`,
        broken: s.broken,
        ...(s.mutant ? { mutant: s.mutant } : {}),
      }),
  };
}

/** The part of every replay that names the subject. */
export function replayBase(s: Subject, kind: FindingKind): ReplayBase {
  return {
    kind,
    abi: s.abi.name,
    target: targetLabel(s.target),
    ...(s.broken ? { broken: s.broken } : {}),
    ...(s.profile !== "base" ? { profile: s.profile } : {}),
  };
}

/** The subject a replay names. */
export async function replaySubject(r: ReplayBase): Promise<Subject> {
  if (r.profile !== undefined && !(r.profile in PROFILES)) {
    throw new TypeError(
      `replay.json names an unknown profile "${r.profile}": expected ${
        Object.keys(PROFILES).join(", ")
      }`,
    );
  }
  return await resolveSubject({
    abi: r.abi,
    target: r.target,
    ...(r.broken ? { broken: r.broken } : {}),
    profile: r.profile ?? "base",
  });
}
