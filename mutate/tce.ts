/**
 * Trivial compiler equivalence (pure): a mutant the compiler turns into the
 * unmutated target's object code is equivalent, and mutants compiled to the
 * same code as each other are one mutant (Papadakis, Jia, Harman and Le
 * Traon, "Trivial Compiler Equivalence", ICSE 2015: 7 % of mutants
 * equivalent and 21 % duplicated, found by comparing objects alone). Running
 * a duplicate again measures only the noise of the suites: two runs of the
 * same code that disagree show a verdict that came from the run, not from
 * the code. Compiling and hashing the objects is tce_build.ts's job.
 *
 * @module
 */

/** Why a mutant is equivalent by this rule, as the results say it. */
export const TCE_REASON =
  "compiles to the unmutated target's object code (trivial compiler equivalence: " +
  "objects compared with their debug information stripped)";

/** What the objects say of the mutants. */
export interface CodeClasses {
  /** Mutants whose code is the unmutated target's. */
  readonly equivalent: ReadonlySet<string>;
  /** A mutant whose code an earlier mutant has → that earlier mutant (its class's first). */
  readonly duplicateOf: ReadonlyMap<string, string>;
}

/**
 * Sorts mutants by their code (pure): `base` is the unmutated target's,
 * `codes` each mutant's in the order the run takes them (null: no code, for
 * a mutant that did not build or a target whose objects are not compared).
 * The first mutant of each code stands for the class.
 *
 * @example
 * ```ts
 * import { codeClasses } from "./tce.ts";
 * const c = codeClasses("b", [
 *   { id: "m1", code: "x" }, { id: "m2", code: "b" }, { id: "m3", code: "x" }, { id: "m4", code: null },
 * ]);
 * if (![...c.equivalent].includes("m2") || c.duplicateOf.get("m3") !== "m1") throw new Error();
 * if (c.duplicateOf.has("m1") || c.duplicateOf.has("m4")) throw new Error();
 * ```
 */
export function codeClasses(
  base: string | null,
  codes: readonly { readonly id: string; readonly code: string | null }[],
): CodeClasses {
  const equivalent = new Set<string>();
  const duplicateOf = new Map<string, string>();
  const first = new Map<string, string>();
  for (const { id, code } of codes) {
    if (code === null) continue;
    if (code === base) {
      equivalent.add(id);
      continue;
    }
    const rep = first.get(code);
    if (rep === undefined) first.set(code, id);
    else duplicateOf.set(id, rep);
  }
  return { equivalent, duplicateOf };
}
