/**
 * When a kill must be confirmed against the unmutated target (pure).
 *
 * A rule the baseline failed can fail differently from run to run: the RFC's
 * traced write from NULL (UD-WR-005) ends its process in some runs and
 * returns 16 in others, whatever the mutant changed, and two baseline runs
 * do not show every way. So a kill by a finding about such a rule stands only
 * once that rule, rerun on the unmutated target (`--confirm-runs` times)
 * after the rules that ran before it in the mutant's run, never filed the
 * same finding; a finding it did file is the target's own and kills no
 * mutant (mutate/run.ts keeps the verdicts, like the baseline's, in the
 * cache). Findings about rules the baseline passed need no rerun: any
 * failure there is new.
 *
 * The rules before it are part of the rerun because a rule of the RFC can
 * fail only after the ones before it damaged the kernel: UD-WR-007 files
 * "records recovered returned 0" after UD-WR-005/006 broke ftrace, while
 * alone it only ever dies; three mutants were "killed" by that title when
 * the rerun was the rule alone.
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

/**
 * The rules a rerun for `rule` runs, in order: those of `ran` (the rules of
 * the mutant's suite run that filed the finding, in their order) up to and
 * including `rule`; `[rule]` when `ran` does not have it.
 *
 * @example
 * ```ts
 * import { rerunRules } from "./confirm.ts";
 * const ran = ["UD-REG-008", "UD-WR-005", "UD-WR-007", "UD-MM-003"];
 * if (rerunRules("UD-WR-007", ran).join() !== "UD-REG-008,UD-WR-005,UD-WR-007") throw new Error();
 * ```
 */
export function rerunRules(rule: string, ran: readonly string[]): string[] {
  const at = ran.indexOf(rule);
  return at < 0 ? [rule] : ran.slice(0, at + 1);
}
