/**
 * What a suite runs against (`--target`), parsed once for every CLI (pure).
 * Which kinds make sense depends on the ABI (`abi/plugin.ts` `targets`):
 *
 * - `kmod`: the ABI's own module (udiag's `abi/udiag/kmod/`) in the KASAN VM.
 * - `local`: this machine, where the ABI already exists (run as root).
 * - `patch:FILE`: a driver patch under review, built as a module beside our kernel.
 * - `kernel`: the ABI as our kernel ships it (user_events is built in).
 * - `kernel:PATCH`: our kernel with PATCH applied to its source, built and
 *   cached as a kernel of its own (a user_events fix, or a revert).
 *
 * @module
 */

/** A parsed `--target`. */
export type Target =
  | { readonly kind: "kmod" }
  | { readonly kind: "local" }
  | { readonly kind: "patch"; readonly file: string }
  | { readonly kind: "kernel"; readonly patch: string | null };

/** A target's kind. */
export type TargetKind = Target["kind"];

/**
 * Parses a `--target` value; throws a TypeError naming the accepted forms.
 *
 * @example
 * ```ts
 * import { parseTarget } from "./target.ts";
 * const t = parseTarget("patch:review.mbox");
 * if (t.kind !== "patch" || t.file !== "review.mbox") throw new Error();
 * const k = parseTarget("kernel:revert.patch");
 * if (k.kind !== "kernel" || k.patch !== "revert.patch") throw new Error();
 * ```
 */
export function parseTarget(value: string): Target {
  if (value === "kmod") return { kind: "kmod" };
  if (value === "local") return { kind: "local" };
  if (value === "kernel") return { kind: "kernel", patch: null };
  if (value.startsWith("patch:") && value.length > "patch:".length) {
    return { kind: "patch", file: value.slice("patch:".length) };
  }
  if (value.startsWith("kernel:") && value.length > "kernel:".length) {
    return { kind: "kernel", patch: value.slice("kernel:".length) };
  }
  throw new TypeError(
    `Invalid --target "${value}": expected kmod, local, kernel, patch:FILE or kernel:PATCH`,
  );
}

/** The target as the reports name it (what {@linkcode parseTarget} reads back). */
export function targetLabel(t: Target): string {
  switch (t.kind) {
    case "patch":
      return `patch:${t.file}`;
    case "kernel":
      return t.patch === null ? "kernel" : `kernel:${t.patch}`;
    default:
      return t.kind;
  }
}

/** The file a target reads (a patch), which must exist before anything slow starts. */
export function targetFile(t: Target): string | null {
  if (t.kind === "patch") return t.file;
  if (t.kind === "kernel") return t.patch;
  return null;
}
