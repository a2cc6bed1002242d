/**
 * When a kill must be confirmed against the unmutated target (pure).
 *
 * A rule the baseline failed can fail differently from run to run: the RFC's
 * traced write from NULL (UD-WR-005) ends its process in some runs and
 * returns 16 in others, whatever the mutant changed, and two baseline runs
 * do not show every way. So a kill by a finding about such a rule stands only
 * once that rule, rerun alone on the unmutated target (`--confirm-runs`
 * times), never filed the same finding; a finding it did file is the
 * target's own and kills no mutant (mutate/run.ts keeps the verdicts, like
 * the baseline's, in the cache). Findings about rules the baseline passed
 * need no rerun: any failure there is new.
 *
 * @module
 */
import { rulesNamed } from "./phases.ts";

/**
 * The rule to rerun on the unmutated target before a kill by `title`
 * stands: one the title names and a baseline finding names too; null when
 * there is none (a kernel report, or a rule the baseline passed).
 *
 * @example
 * ```ts
 * import { confirmationRule } from "./confirm.ts";
 * const ids = ["UD-WR-005", "UD-DEL-001"];
 * const base = ["conformance UD-WR-005: the test process or the kernel died during this rule"];
 * const got = "conformance UD-WR-005: write from NULL, traced returned ok 16, expected EFAULT";
 * if (confirmationRule(got, base, ids) !== "UD-WR-005") throw new Error();
 * if (confirmationRule("conformance UD-DEL-001: x", base, ids) !== null) throw new Error();
 * ```
 */
export function confirmationRule(
  title: string,
  baselineTitles: readonly string[],
  ids: readonly string[],
): string | null {
  const failed = rulesNamed(baselineTitles, ids);
  return [...rulesNamed([title], ids)].find((id) => failed.has(id)) ?? null;
}
