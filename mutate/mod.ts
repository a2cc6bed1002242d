/**
 * `deno task mutate`'s pure core: the mutants of a target's C source and
 * the results of running the suites on them.
 *
 * - {@linkcode mutants} (pure): single-edit mutants by named {@linkcode OPERATORS}.
 * - {@linkcode applyMutant} (pure): the mutated source.
 * - {@linkcode addedFile} (pure): the C file a patch target adds.
 * - {@linkcode killingFinding}, {@linkcode score}, {@linkcode summaryMarkdown},
 *   {@linkcode resultsJson} (pure): the verdicts and `out/mutate/{summary.md,results.json}`.
 * - {@linkcode codeClasses} (pure): mutants equivalent or duplicate by their object code.
 * - {@linkcode latestVerdicts}, {@linkcode combineVerdicts} (pure): one verdict per
 *   mutant from several runs.
 *
 * @example
 * ```ts
 * import { applyMutant, mutants } from "./mod.ts";
 * const src = Deno.readTextFileSync(new URL("../abi/udiag/kmod/udiag.c", import.meta.url));
 * const all = mutants("abi/udiag/kmod/udiag.c", src);
 * if (all.length === 0 || applyMutant(src, all[0]!) === src) throw new Error();
 * ```
 *
 * @module
 */
export {
  applyMutant,
  isOperatorName,
  type Mutant,
  type MutantEdit,
  mutants,
  type OperatorName,
  OPERATORS,
} from "./operators.ts";
export { addedFile } from "./added_file.ts";
export {
  type KilledBy,
  killingFinding,
  type MutantResult,
  type MutantStatus,
  type MutateRun,
  resultsJson,
  type Score,
  score,
  summaryMarkdown,
} from "./results.ts";
export { type CodeClasses, codeClasses, TCE_REASON } from "./tce.ts";
export { combineVerdicts, latestVerdicts, type PastRun, type PastVerdict } from "./combine.ts";
