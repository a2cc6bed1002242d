/**
 * Pure helpers for kernel config fragments: parsing, and finding options that
 * `make olddefconfig` silently dropped (an unmet dependency).
 *
 * @module
 */

/** `CONFIG_X` → `"y"`, `"4"`, … or `null` for `# CONFIG_X is not set`. */
export type KconfigValues = Map<string, string | null>;

/**
 * Parses a `.config` or a fragment.
 *
 * @example
 * ```ts
 * import { parseKconfig } from "./kconfig.ts";
 * const v = parseKconfig("CONFIG_A=y\n# CONFIG_B is not set\n");
 * if (v.get("CONFIG_A") !== "y" || v.get("CONFIG_B") !== null) throw new Error();
 * ```
 */
export function parseKconfig(text: string): KconfigValues {
  const out: KconfigValues = new Map();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset) {
      out.set(unset[1]!, null);
      continue;
    }
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (set) out.set(set[1]!, set[2]!);
  }
  return out;
}

/** One fragment option whose value did not survive into the final config. */
export interface KconfigMismatch {
  readonly option: string;
  readonly wanted: string | null;
  readonly got: string | null;
}

/** Options of `fragment` that the final `config` does not carry as asked. */
export function kconfigMismatches(
  fragment: KconfigValues,
  config: KconfigValues,
): KconfigMismatch[] {
  const out: KconfigMismatch[] = [];
  for (const [option, wanted] of fragment) {
    const got = config.get(option) ?? null;
    if (got !== wanted) out.push({ option, wanted, got });
  }
  return out;
}
