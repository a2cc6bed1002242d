/**
 * The C source a patch target adds (pure): what the mutation operators read
 * when the target is a patch that creates its driver.
 *
 * @module
 */

import { extractPatch } from "../harness/patch/extract.ts";

/**
 * The post-image of the file `path` that the unified diff `patch` adds: the
 * `+` lines of that file's hunks without the `+`. Throws an `Error` when the
 * patch adds no such file (a file it only modifies included), and
 * `PatchFormatError` when it holds no diff.
 *
 * @example
 * ```ts
 * import { addedFile } from "./added_file.ts";
 * const patch = "diff --git a/x.c b/x.c\nnew file mode 100644\n--- /dev/null\n+++ b/x.c\n" +
 *   "@@ -0,0 +1,2 @@\n+int x;\n+int y;\n";
 * if (addedFile(patch, "x.c") !== "int x;\nint y;\n") throw new Error();
 * ```
 */
export function addedFile(patch: string, path: string): string {
  const files = extractPatch(patch, "patch").files;
  const file = files.find((f) => f.path === path);
  if (file?.content == null) {
    const added = files.filter((f) => f.status === "added").map((f) => `"${f.path}"`);
    throw new Error(
      `Cannot read "${path}" from the patch: ${
        file ? `it is ${file.status}, not added` : "not in it"
      }` +
        ` (added: ${added.join(", ") || "none"})`,
    );
  }
  return file.content;
}
