/**
 * Mutants of a patch (pure): the mutation operators (operators.ts) run over
 * the post-image of each file's hunks, and only the mutants whose every edit
 * falls on a line the patch adds are kept, since the code under review is
 * what the patch adds. A mutant of a patch is a patch: the same diff with
 * those `+` lines changed, which the suites build and run as they would the
 * original (`--target patch:FILE` or `kernel:PATCH`).
 *
 * A modified file's hunks are joined with no gap, so an operator that reads
 * brace depth (drop-lock) sees only what the hunks show.
 *
 * @module
 */
import { hash8 } from "../harness/report/dedup.ts";
import { editsDiff, type Mutant, mutants, type OperatorName } from "./operators.ts";

/** One changed line of a patch: its 0-based index in the patch text, with the `+`. */
export interface PatchEdit {
  readonly index: number;
  readonly original: string;
  readonly mutated: string;
}

/** A mutant of a patch: the mutant, its lines those of the patched file, and the patch lines it changes. */
export interface PatchMutant {
  readonly mutant: Mutant;
  readonly patchEdits: readonly PatchEdit[];
}

/** A line of a file's post-image as the patch shows it. */
interface ShownLine {
  /** 1-based line in the patched file. */
  readonly fileLine: number;
  /** 0-based line in the patch. */
  readonly index: number;
  readonly added: boolean;
  readonly text: string;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The post-image lines each C file's hunks show, by path. */
function shownLines(patch: string): Map<string, ShownLine[]> {
  const lines = patch.split("\n");
  const byFile = new Map<string, ShownLine[]>();
  let file: string | null = null;
  let next = 0; // next post-image line of the hunk; 0 outside a hunk
  lines.forEach((l, index) => {
    if (l.startsWith("diff --git ")) {
      file = null;
      next = 0;
      return;
    }
    if (next === 0 && l.startsWith("+++ ")) {
      const path = l.slice(4).replace(/^b\//, "").trim();
      file = path === "/dev/null" || !path.endsWith(".c") ? null : path;
      return;
    }
    const h = HUNK.exec(l);
    if (h) {
      next = file === null ? 0 : Number(h[1]);
      return;
    }
    if (next === 0 || file === null) return;
    if (l.startsWith("+") || l.startsWith(" ")) {
      const shown = byFile.get(file) ?? [];
      shown.push({ fileLine: next, index, added: l.startsWith("+"), text: l.slice(1) });
      byFile.set(file, shown);
      next++;
    } else if (!l.startsWith("-") && !l.startsWith("\\")) {
      next = 0; // past the hunk: a mail signature, the next file's header
    }
  });
  return byFile;
}

/**
 * Every mutant of the lines `patch` adds to its C files (all operators, or
 * `only` those), file by file in the patch's order.
 *
 * @example
 * ```ts
 * import { applyPatchMutant, patchMutants } from "./patch_mutants.ts";
 * const patch = "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -10,2 +10,3 @@\n" +
 *   " int f(int n)\n+\tif (n > MAX) return -EINVAL;\n \treturn 0;\n";
 * const m = patchMutants(patch, ["drop-errno-return"]);
 * if (m.length !== 1 || m[0]!.mutant.line !== 11) throw new Error();
 * if (!applyPatchMutant(patch, m[0]!).includes("\n+\tif (n > MAX) ;\n")) throw new Error();
 * ```
 */
export function patchMutants(patch: string, only?: readonly OperatorName[]): PatchMutant[] {
  const out: PatchMutant[] = [];
  for (const [file, shown] of shownLines(patch)) {
    const source = shown.map((s) => s.text).join("\n") + "\n";
    for (const m of mutants(file, source, only)) {
      const at = m.edits.map((e) => shown[e.line - 1]!);
      if (!at.every((s) => s.added)) continue;
      const edits = m.edits.map((e, i) => ({ ...e, line: at[i]!.fileLine }));
      const first = edits[0]!;
      out.push({
        mutant: {
          ...m,
          id: hash8(
            [file, m.operator, first.line, m.column, ...edits.map((e) => `${e.line}:${e.mutated}`)]
              .join("\0"),
          ),
          line: first.line,
          diff: editsDiff(file, edits),
          edits,
        },
        patchEdits: m.edits.map((e, i) => {
          if (e.mutated === "") throw new Error(`Mutant ${m.id} removes a line of a patch`);
          return { index: at[i]!.index, original: `+${e.original}`, mutated: `+${e.mutated}` };
        }),
      });
    }
  }
  return out;
}

/** The patch with the mutant's `+` lines changed; throws when the patch no longer holds them. */
export function applyPatchMutant(patch: string, m: PatchMutant): string {
  const lines = patch.split("\n");
  for (const e of m.patchEdits) {
    if (lines[e.index] !== e.original) {
      throw new Error(
        `Cannot apply mutant "${m.mutant.id}" to the patch: its line ${e.index + 1} is not ${
          JSON.stringify(e.original)
        }`,
      );
    }
    lines[e.index] = e.mutated;
  }
  return lines.join("\n");
}
