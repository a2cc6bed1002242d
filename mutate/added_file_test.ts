import assert from "node:assert/strict";
import { addedFile } from "./added_file.ts";

const RFC = Deno.readTextFileSync(
  new URL("../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url),
);

const TWO_FILES = "Subject: [PATCH] x\n\n" +
  "diff --git a/Makefile b/Makefile\n--- a/Makefile\n+++ b/Makefile\n" +
  "@@ -1,2 +1,3 @@\n obj-y += a.o\n+obj-y += x.o\n obj-y += b.o\n" +
  "diff --git a/x.c b/x.c\nnew file mode 100644\n--- /dev/null\n+++ b/x.c\n" +
  "@@ -0,0 +1,3 @@\n+int x;\n+\n+int y;\n-- \n2.17.1\n";

const CASES: readonly { name: string; path: string; want: string | RegExp }[] = [
  { name: "the + lines of an added file", path: "x.c", want: "int x;\n\nint y;\n" },
  { name: "a modified file", path: "Makefile", want: /"Makefile".*modified, not added.*"x\.c"/ },
  { name: "a file not in the patch", path: "y.c", want: /"y\.c".*not in it \(added: "x\.c"\)/ },
];

for (const { name, path, want } of CASES) {
  Deno.test(`addedFile() ${typeof want === "string" ? "returns" : "refuses"} ${name}`, () => {
    if (typeof want === "string") assert.equal(addedFile(TWO_FILES, path), want);
    else assert.throws(() => addedFile(TWO_FILES, path), want);
  });
}

Deno.test("addedFile() reads the RFC's driver, mail footer left out", () => {
  const c = addedFile(RFC, "kernel/trace/trace_events_udiag.c");
  const lines = c.split("\n");
  // The hunk header says +1,650; the file ends with a newline.
  assert.equal(lines.length, 651);
  assert.equal(lines[0], "// SPDX-License-Identifier: GPL-2.0-only");
  assert.equal(lines.at(-2), "fs_initcall(trace_events_user_diag_init);");
  assert.ok(!lines.some((l) => l.startsWith("+")));
});
