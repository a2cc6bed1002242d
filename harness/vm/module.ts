/**
 * Builds the project's module (`kmod/`) against a cached kernel tree with
 * Kbuild. The sources are copied to a per-variant build directory so that the
 * checkout stays clean and variants (the test-only broken builds) coexist.
 *
 * @module
 */
import type { KernelBuild } from "./kernel.ts";
import { runLogged } from "../proc.ts";

/** The modules of kmod/: the target, and a test-only report provoker. */
const MODULES = {
  udiag: {
    dir: new URL("../../kmod/", import.meta.url),
    sources: ["udiag.c", "udiag_exports.h", "Kbuild"],
  },
  udiag_provoke: {
    dir: new URL("../../kmod/provoke/", import.meta.url),
    sources: ["udiag_provoke.c", "Kbuild"],
  },
} as const;
/** A module name of kmod/. */
export type ModuleName = keyof typeof MODULES;

/** Test-only variants of the module, each one known bug (see kmod/Kbuild). */
export const BROKEN_VARIANTS = ["SKIP_EBUSY"] as const;
/** One of {@linkcode BROKEN_VARIANTS}. */
export type BrokenVariant = typeof BROKEN_VARIANTS[number];

/** Builds `<name>.ko` (optionally a broken variant of udiag) and returns its path. */
export async function buildModule(
  kernel: KernelBuild,
  buildRoot: string,
  name: ModuleName = "udiag",
  broken?: BrokenVariant,
): Promise<string> {
  const dir = `${buildRoot}/${name}-${kernel.key}-${broken ?? "ok"}`;
  await Deno.mkdir(dir, { recursive: true });
  const m = MODULES[name];
  for (const f of m.sources) {
    await Deno.copyFile(new URL(f, m.dir), `${dir}/${f}`);
  }
  const logFile = `${dir}/build.log`;
  await Deno.writeTextFile(logFile, "");
  await runLogged("make", [
    "-C",
    kernel.tree,
    `M=${dir}`,
    ...(broken ? [`UDIAG_BROKEN=${broken}`] : []),
    "modules",
  ], { logFile });
  // Kbuild prints warnings without failing: a module must build clean.
  const log = await Deno.readTextFile(logFile);
  const warnings = log.split("\n").filter((l) => /warning:|error:/.test(l));
  if (warnings.length > 0) {
    throw new Error(`Module build has warnings:\n${warnings.join("\n")}`);
  }
  return `${dir}/${name}.ko`;
}
