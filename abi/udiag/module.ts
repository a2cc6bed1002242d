/**
 * udiag's own implementation of the ABI (`abi/udiag/kmod/`), built as a module
 * against our kernel, and its test-only broken variants.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import type { ModuleMutant } from "../plugin.ts";
import type { KernelBuild } from "../../harness/vm/kernel.ts";
import { buildModule, type ModuleSource } from "../../harness/vm/module.ts";

/** The udiag module's sources. */
export const UDIAG_MODULE: ModuleSource = {
  name: "udiag",
  dir: new URL("./kmod/", import.meta.url),
  sources: ["udiag.c", "udiag_exports.h", "Kbuild"],
};

/** Test-only variants of the module, each one known bug (see kmod/Kbuild). */
export const BROKEN_VARIANTS = [
  "SKIP_EBUSY",
  "BPF_CONTEXT",
  "CPU_BUFFER",
  "DROP_LARGE",
  "STRICT_LOAD",
  "SWALLOW_FAULT",
] as const;
/** One of {@linkcode BROKEN_VARIANTS}. */
export type BrokenVariant = typeof BROKEN_VARIANTS[number];

/**
 * Builds `udiag.ko` (optionally a broken variant, or a mutant whose sources
 * are in `mutant.dir`) and returns its path.
 */
export function buildUdiag(
  kernel: KernelBuild,
  buildRoot: string,
  broken: string | null = null,
  mutant?: ModuleMutant,
): Promise<string> {
  if (mutant) {
    return buildModule(
      kernel,
      buildRoot,
      { ...UDIAG_MODULE, dir: pathToFileURL(`${mutant.dir}/`) },
      { variant: `mutant-${mutant.id}`, warningsFail: false },
    );
  }
  return buildModule(
    kernel,
    buildRoot,
    UDIAG_MODULE,
    broken === null ? {} : { variant: broken, makeArgs: [`UDIAG_BROKEN=${broken}`] },
  );
}
