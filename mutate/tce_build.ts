/**
 * The object code of a built module, as one hash (tce.ts compares them).
 *
 * A module's build folder is per variant, and its path reaches the object
 * (KASAN's global descriptors name the source file by its full path, which
 * `-ffile-prefix-map` does not change), so two builds of the same code
 * differ there. The module's sources are therefore compiled again in one
 * folder whose path is always the same, {@linkcode TCE_DIR}, whatever the
 * checkout or the run's `--out` (a cached hash stays comparable), object by
 * object (`make M=… x.o`, as Documentation/kbuild/modules.rst builds single
 * files), and each object is hashed with its debug information stripped
 * (line tables move with an edit that changes no instruction).
 *
 * @module
 */
import { dirname } from "node:path";
import type { KernelBuild } from "../harness/vm/kernel.ts";
import { withLock } from "../harness/lock.ts";
import { runLogged } from "../harness/proc.ts";
import { sha256Hex } from "../harness/sha256.ts";

/** Where every module is compiled to be hashed: one path, so that the objects compare. */
export const TCE_DIR = "/tmp/udiag-fuzz-tce";

/** A module's own sources among its build folder's files: the rest is what make wrote. */
export function isModuleSource(name: string): boolean {
  if (name === "Kbuild" || name === "Makefile") return true;
  return /\.[ch]$/.test(name) && !name.endsWith(".mod.c");
}

/**
 * The hash of the object code of the module `ko` (its build folder's C
 * files compiled in `fixedDir` against `kernel`), 16 hex digits.
 */
export async function moduleCode(
  kernel: KernelBuild,
  ko: string,
  fixedDir = TCE_DIR,
): Promise<string> {
  return await withLock(fixedDir, async () => {
    await Deno.remove(fixedDir, { recursive: true }).catch(() => {});
    await Deno.mkdir(fixedDir, { recursive: true });
    const src = dirname(ko);
    const units: string[] = [];
    for await (const e of Deno.readDir(src)) {
      if (!e.isFile || !isModuleSource(e.name)) continue;
      await Deno.copyFile(`${src}/${e.name}`, `${fixedDir}/${e.name}`);
      if (e.name.endsWith(".c")) units.push(e.name.replace(/\.c$/, ".o"));
    }
    if (units.length === 0) throw new Error(`${src}: no C source beside ${ko}`);
    units.sort();
    const logFile = `${fixedDir}.log`;
    await Deno.writeTextFile(logFile, "");
    await runLogged("make", ["-C", kernel.tree, `M=${fixedDir}`, ...units], { logFile });
    const parts: string[] = [];
    for (const o of units) {
      const stripped = `${fixedDir}/${o}.stripped`;
      await runLogged("objcopy", [
        "--strip-debug",
        "--remove-section=.comment",
        "--remove-section=.note.gnu.build-id",
        `${fixedDir}/${o}`,
        stripped,
      ], { logFile });
      parts.push(`${o}:${await sha256Hex(await Deno.readFile(stripped))}`);
    }
    return (await sha256Hex(new TextEncoder().encode(parts.join("\n")))).slice(0, 16);
  });
}
