/**
 * Builds an out-of-tree kernel module against a cached kernel tree with
 * Kbuild. The sources are copied to a per-(module, kernel, variant) build
 * directory so that the checkout stays clean and variants (an ABI's
 * test-only broken builds) coexist.
 *
 * @module
 */
import type { KernelBuild } from "./kernel.ts";
import { runLogged } from "../proc.ts";
import { withLock } from "../lock.ts";

/** One module's sources. */
export interface ModuleSource {
  /** Module name: `<name>.ko`. */
  readonly name: string;
  /** Directory holding the sources (and their Kbuild). */
  readonly dir: URL;
  readonly sources: readonly string[];
}

/** Options of {@linkcode buildModule}. */
export interface BuildModuleOptions {
  /** Build variant, part of the build directory's name ("ok" by default). */
  readonly variant?: string;
  /** Extra `make` variables (`UDIAG_BROKEN=SKIP_EBUSY`). */
  readonly makeArgs?: readonly string[];
  /**
   * Whether a compiler warning fails the build (default true: our modules
   * build clean). A mutant's dropped statement may leave a variable unused:
   * that is no reason to count it out.
   */
  readonly warningsFail?: boolean;
}

/** The test-only report provoker (kmod/provoke): real kernel reports for the parser's testdata. */
export const PROVOKE: ModuleSource = {
  name: "udiag_provoke",
  dir: new URL("../../kmod/provoke/", import.meta.url),
  sources: ["udiag_provoke.c", "Kbuild"],
};

/** Builds `<name>.ko` and returns its path; a warning fails the build (our modules build clean). */
export async function buildModule(
  kernel: KernelBuild,
  buildRoot: string,
  m: ModuleSource,
  o: BuildModuleOptions = {},
): Promise<string> {
  const dir = `${buildRoot}/${m.name}-${kernel.key}-${o.variant ?? "ok"}`;
  await Deno.mkdir(dir, { recursive: true });
  // Jobs of one campaign, and campaigns side by side, build into one directory.
  return await withLock(dir, () => build(kernel, dir, m, o));
}

const seconds = (t0: number) => ((Date.now() - t0) / 1000).toFixed(0);

/** Builds `m` in `dir` (the caller holds its lock). */
async function build(
  kernel: KernelBuild,
  dir: string,
  m: ModuleSource,
  o: BuildModuleOptions,
): Promise<string> {
  for (const f of m.sources) {
    await Deno.copyFile(new URL(f, m.dir), `${dir}/${f}`);
  }
  const logFile = `${dir}/build.log`;
  await Deno.writeTextFile(logFile, "");
  const t0 = Date.now();
  console.error(`udiag-fuzz: building module ${m.name} for ${kernel.release}; log: ${logFile}`);
  await runLogged("make", ["-C", kernel.tree, `M=${dir}`, ...(o.makeArgs ?? []), "modules"], {
    logFile,
  });
  console.error(`udiag-fuzz: module ${m.name} built in ${seconds(t0)} s`);
  // Kbuild prints warnings without failing: a module must build clean.
  const log = await Deno.readTextFile(logFile);
  const warnings = log.split("\n").filter((l) => /warning:|error:/.test(l));
  const fatal = (o.warningsFail ?? true) ? warnings : warnings.filter((l) => /error:/.test(l));
  if (fatal.length > 0) {
    throw new Error(`Module build has warnings:\n${fatal.join("\n")}`);
  }
  return `${dir}/${m.name}.ko`;
}
