/**
 * `--target patch:FILE`: a kernel patch under review (mail text or a plain
 * diff), its new C files ported to an out-of-tree module for the project's
 * 6.12 kernel with each port step logged, and built beside that kernel.
 *
 * - {@linkcode extractPatch} (pure): files, hunks, new files' content, subject, author.
 * - {@linkcode portPatch} (pure): the module sources, Kbuild and port steps.
 * - {@linkcode renderPortLog} (pure): the port log as markdown (`port.md`).
 * - {@linkcode buildPatchTarget}: writes, dry-runs the in-tree hunks, builds.
 *
 * @example
 * ```ts
 * import { extractPatch, portPatch } from "./mod.ts";
 * const rfc = Deno.readTextFileSync(
 *   new URL("../../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url),
 * );
 * const m = portPatch(extractPatch(rfc, "rfc.txt"));
 * if (m.name !== "trace_events_udiag") throw new Error();
 * ```
 *
 * @module
 */
export {
  type ExtractedPatch,
  extractPatch,
  type FileDiff,
  type Hunk,
  PatchFormatError,
  patchLineOf,
} from "./extract.ts";
export {
  KERNEL_EXPORTS_ADDED,
  originalLine,
  type PortedModule,
  PortError,
  portPatch,
  type PortStep,
  type TextChange,
} from "./port.ts";
export { type DryRun, renderPortLog } from "./port_log.ts";
export { buildPatchTarget, PatchBuildError, type PatchTarget } from "./build.ts";
