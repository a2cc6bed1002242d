import assert from "node:assert/strict";
import { extractPatch, PatchFormatError, patchLineOf } from "./extract.ts";

const RFC_URL = new URL("../../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url);
const rfc = Deno.readTextFileSync(RFC_URL);

/** A minimal git diff changing one file, built line by line so whitespace is explicit. */
const MAKEFILE_DIFF = [
  "diff --git a/kernel/trace/Makefile b/kernel/trace/Makefile",
  "index b28d3e5013cd..d7cc143c6a38 100644",
  "--- a/kernel/trace/Makefile",
  "+++ b/kernel/trace/Makefile",
  "@@ -1,3 +1,4 @@",
  " a",
  " b",
  "+c",
  " d",
  "@@ -10,2 +11,4 @@ section",
  " x",
  "+y",
  "+z",
  " w",
].join("\n") + "\n";

function throwsFormat(text: string, pattern: RegExp): PatchFormatError {
  let caught: unknown;
  try {
    extractPatch(text, "bad.patch");
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PatchFormatError, `expected a PatchFormatError, got ${caught}`);
  assert.match(caught.message, pattern);
  return caught;
}

Deno.test("extractPatch() finds the RFC's subject, author and three files", () => {
  const p = extractPatch(rfc, "rfc.txt");
  assert.equal(p.subject, "[RFC PATCH] udiag - User mode to trace_event (ftrace, perf, eBPF) ABI");
  assert.equal(p.author, "Beau Belgrave <beaub@xxxxxxxxxxxxxxxxxxx>");
  assert.deepEqual(p.files.map((f) => [f.path, f.status, f.hunks.length]), [
    ["kernel/trace/Kconfig", "modified", 1],
    ["kernel/trace/Makefile", "modified", 1],
    ["kernel/trace/trace_events_udiag.c", "added", 1],
  ]);
});

Deno.test("extractPatch() rebuilds the RFC's new file from its + lines", () => {
  const c = extractPatch(rfc, "rfc.txt").files[2]!;
  const content = c.content!;
  assert.equal(content.split("\n").length - 1, 650); // the hunk header's +1,650
  assert.ok(content.startsWith("// SPDX-License-Identifier: GPL-2.0-only\n/*\n"));
  assert.ok(content.endsWith("fs_initcall(trace_events_user_diag_init);\n"));
  // The mail signature after the last hunk is not part of the file.
  assert.ok(!content.includes("2.17.1"));
  assert.ok(content.includes("\tdiag_class = class_create(NULL, DIAG_SYSTEM);\n"));
});

Deno.test("extractPatch() keeps the RFC's Makefile hunk exact, counts and lines", () => {
  const mk = extractPatch(rfc, "rfc.txt").files[1]!;
  const h = mk.hunks[0]!;
  assert.deepEqual([h.oldStart, h.oldLines, h.newStart, h.newLines], [79, 6, 79, 7]);
  assert.equal(h.section, "obj-$(CONFIG_EVENT_TRACING) += trace_events_trigger.o");
  assert.deepEqual(h.lines.filter((l) => l.op === "+"), [
    { op: "+", text: "obj-$(CONFIG_UDIAG_EVENTS) += trace_events_udiag.o" },
  ]);
  assert.equal(
    mk.text.split("\n")[0],
    "diff --git a/kernel/trace/Makefile b/kernel/trace/Makefile",
  );
  assert.equal(
    mk.text.trimEnd().split("\n").at(-1),
    " obj-$(CONFIG_TRACEPOINTS) += error_report-traces.o",
  );
});

Deno.test("patchLineOf() points at the RFC's class_create() line", () => {
  const c = extractPatch(rfc, "rfc.txt").files[2]!;
  const line = c.content!.split("\n").findIndex((l) => l.includes("class_create(")) + 1;
  const at = patchLineOf(c, line)!;
  assert.equal(rfc.split("\n")[at - 1], "+\tdiag_class = class_create(NULL, DIAG_SYSTEM);");
});

Deno.test("extractPatch() reads a plain git diff: two hunks, no subject or author", () => {
  const p = extractPatch(MAKEFILE_DIFF, "x.diff");
  assert.equal(p.subject, null);
  assert.equal(p.author, null);
  assert.deepEqual(p.files[0]!.hunks.map((h) => [h.index, h.line, h.lines.length]), [
    [1, 5, 4],
    [2, 10, 4],
  ]);
});

Deno.test("extractPatch() reads a diff -u without git headers and strips one path level", () => {
  const p = extractPatch(
    "--- linux.orig/a/x.c\t2021-10-04 10:00:00\n+++ linux/a/x.c\t2021-10-04 10:00:01\n" +
      "@@ -1 +1 @@\n-int a;\n+int b;\n",
    "x.diff",
  );
  assert.equal(p.files[0]!.path, "a/x.c");
  assert.equal(p.files[0]!.status, "modified");
});

Deno.test("extractPatch() reads Subject: and From: headers of an mbox, folded subject too", () => {
  const p = extractPatch(
    "From 1234 Mon Sep 17 00:00:00 2001\nFrom: A Dev <a@example.org>\n" +
      "Subject: [PATCH v2 1/2] udiag: a long\n subject\n\n---\n" + MAKEFILE_DIFF,
    "x.mbox",
  );
  assert.equal(p.subject, "[PATCH v2 1/2] udiag: a long subject");
  assert.equal(p.author, "A Dev <a@example.org>");
});

Deno.test("extractPatch() honours \\ No newline at end of file in a new file", () => {
  const p = extractPatch(
    "--- /dev/null\n+++ b/x.c\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n",
    "x",
  );
  assert.equal(p.files[0]!.content, "a\nb");
});

Deno.test("extractPatch() reads a mailer-stripped empty context line as context", () => {
  const p = extractPatch(MAKEFILE_DIFF.replace("\n d\n", "\n\n"), "x");
  assert.deepEqual(p.files[0]!.hunks[0]!.lines.at(-1), { op: " ", text: "" });
});

Deno.test("extractPatch() of a text with no diff fails with No diff in FILE", () => {
  const e = throwsFormat("Hello,\n\nthis mail has no patch.\n", /^No diff in "bad\.patch"$/);
  assert.equal(e.line, null);
  throwsFormat("", /^No diff in "bad\.patch"$/);
});

Deno.test("extractPatch() names the hunk, file and line of a truncated hunk", () => {
  // Hunk 2 says 4 new lines; cut its last line.
  const cut = MAKEFILE_DIFF.trimEnd().split("\n").slice(0, -1).join("\n") + "\n";
  const e = throwsFormat(
    cut,
    /^Hunk 2 of "kernel\/trace\/Makefile" \(line 10\): expected 2 old and 4 new lines, found 1 and 3 before the end of the text$/,
  );
  assert.deepEqual([e.file, e.hunk, e.line], ["kernel/trace/Makefile", 2, 10]);
});

Deno.test("extractPatch() names a hunk cut short by mail text, counting new lines only", () => {
  const text = rfc.replace(
    "+obj-$(CONFIG_UDIAG_EVENTS) += trace_events_udiag.o\n",
    "",
  );
  throwsFormat(
    text,
    /^Hunk 1 of "kernel\/trace\/Makefile" \(line \d+\): expected 7 new lines, found 6 before line \d+$/,
  );
});

Deno.test("extractPatch() refuses + lines beyond the hunk header's count", () => {
  throwsFormat(
    "--- /dev/null\n+++ b/x.c\n@@ -0,0 +1,1 @@\n+a\n+b\n",
    /^Hunk 1 of "x\.c" \(line 3\): line 5 is a diff line beyond the 0 old and 1 new lines/,
  );
});

Deno.test("extractPatch() refuses a new file whose hunk has context lines", () => {
  throwsFormat(
    "--- /dev/null\n+++ b/x.c\n@@ -0,0 +1,2 @@\n+a\n b\n",
    /^Hunk 1 of "x\.c" \(line 3\): expected 2 new lines, found 1 before line 5$/,
  );
});

Deno.test("extractPatch() refuses a malformed hunk header", () => {
  throwsFormat(
    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,a +1 @@\n",
    /^Hunk 1 of "x" \(line 4\): malformed header "@@ -1,a \+1 @@"$/,
  );
});

/** Malformed sections, each with the error extractPatch() names it by and where. */
const FORMAT_ERRORS: readonly { name: string; text: string; message: RegExp; at: unknown[] }[] = [
  {
    name: "a diff --git line without a/ and b/ paths",
    text: "diff --git x y\n",
    message: /^Malformed "diff --git" line at line 1: "diff --git x y"$/,
    at: [1, null, null],
  },
  {
    name: "/dev/null on both sides",
    text: "--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+a\n",
    message: /^File section at line 1 names \/dev\/null on both sides$/,
    at: [1, null, null],
  },
  {
    name: "git ---/+++ headers with no hunk",
    text: "Subject: x\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n",
    message: /^File "x" \(line 3\) has ---\/\+\+\+ headers but no hunk$/,
    at: [3, "x", null],
  },
  {
    name: "a new file whose hunk removes a line",
    text: "--- /dev/null\n+++ b/x.c\n@@ -1 +1,2 @@\n-q\n+a\n+b\n",
    message: /^Hunk 1 of new file "x\.c" \(line 3\): body line 1 is not an added line$/,
    at: [4, "x.c", 1],
  },
  {
    name: "a removed line beyond the old count",
    text: "--- a/x\n+++ b/x\n@@ -1,1 +1,2 @@\n a\n-b\n+c\n",
    message: /^Hunk 1 of "x" \(line 3\): expected 2 new lines, found 1 before line 5$/,
    at: [3, "x", 1],
  },
];

for (const c of FORMAT_ERRORS) {
  Deno.test(`extractPatch() refuses ${c.name}`, () => {
    const e = throwsFormat(c.text, c.message);
    assert.deepEqual([e.line, e.file, e.hunk], c.at);
  });
}

Deno.test("extractPatch() reads a git mode change or rename as a file without hunks", () => {
  const p = extractPatch(
    "diff --git a/a.c b/b.c\nsimilarity index 100%\nrename from a.c\nrename to b.c\n" +
      MAKEFILE_DIFF,
    "x",
  );
  assert.deepEqual(p.files.map((f) => [f.path, f.status, f.hunks.length, f.line]), [
    ["b.c", "modified", 0, 1],
    ["kernel/trace/Makefile", "modified", 2, 5],
  ]);
});
