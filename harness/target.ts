/**
 * What a suite runs against (`--target`), parsed once for every CLI (pure).
 *
 * - `kmod` (default): this project's module in the KASAN VM.
 * - `local`: a machine where /dev/udiag already exists (run as root).
 * - `patch:FILE`: a kernel patch under review, built beside our kernel.
 *
 * @module
 */

/** A parsed `--target`. */
export type Target =
  | { readonly kind: "kmod" }
  | { readonly kind: "local" }
  | { readonly kind: "patch"; readonly file: string };

/**
 * Parses a `--target` value; throws a TypeError naming the accepted forms.
 *
 * @example
 * ```ts
 * import { parseTarget } from "./target.ts";
 * const t = parseTarget("patch:review.mbox");
 * if (t.kind !== "patch" || t.file !== "review.mbox") throw new Error();
 * ```
 */
export function parseTarget(value: string | undefined): Target {
  if (value === undefined || value === "kmod") return { kind: "kmod" };
  if (value === "local") return { kind: "local" };
  if (value.startsWith("patch:") && value.length > "patch:".length) {
    return { kind: "patch", file: value.slice("patch:".length) };
  }
  throw new TypeError(
    `Invalid --target "${value}": expected kmod, local or patch:FILE`,
  );
}

/** The target as the reports name it. */
export function targetLabel(t: Target): string {
  return t.kind === "patch" ? `patch:${t.file}` : t.kind;
}
