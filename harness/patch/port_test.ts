import assert from "node:assert/strict";
import { extractPatch } from "./extract.ts";
import {
  descriptionOf,
  originalLine,
  PORT_STEPS,
  portContext,
  PortError,
  portPatch,
  type PortStep,
} from "./port.ts";
import { changeDiff, renderPortLog } from "./port_log.ts";

const rfc = Deno.readTextFileSync(
  new URL("../../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url),
);
const RFC_C = "kernel/trace/trace_events_udiag.c";

/** A patch adding one C file with the given lines. */
function newFilePatch(path: string, lines: readonly string[], subject = "[PATCH] x"): string {
  return `Subject: ${subject}\n\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${lines.length} @@\n` +
    lines.map((l) => `+${l}\n`).join("");
}

function step(steps: readonly PortStep[], id: string): PortStep | undefined {
  return steps.find((s) => s.id === id);
}

Deno.test("portPatch() of the RFC yields the expected steps, in order", () => {
  const m = portPatch(extractPatch(rfc, "rfc.txt"));
  assert.equal(m.name, "trace_events_udiag");
  assert.deepEqual(m.steps.map((s) => [s.id, s.kind, s.file, s.applied]), [
    ["class-create-owner", "source", RFC_C, true],
    ["kbuild-include-dir", "kbuild", "Kbuild", true],
    ["module-license", "source", RFC_C, true],
    ["module-description", "source", RFC_C, true],
    ["initcall-module-init", "note", RFC_C, false],
    ["no-module-exit", "note", RFC_C, false],
    ["kernel-exports", "note", RFC_C, false],
    ["in-tree-hunks", "note", "kernel/trace/Kconfig", false],
    ["in-tree-hunks", "note", "kernel/trace/Makefile", false],
  ]);
  for (const s of m.steps) assert.match(s.reason, /\S/, `${s.id} has a reason`);
  assert.match(step(m.steps, "class-create-owner")!.reason, /6\.4 \(commit 1aaba11da9aa/);
  assert.match(step(m.steps, "module-license")!.reason, /commit 1d6cd3929360/);
  assert.match(
    step(m.steps, "kernel-exports")!.detail,
    /event_mutex .*trace_call_bpf/,
  );
});

Deno.test("portPatch() of the RFC drops class_create()'s NULL owner, on line 598 only", () => {
  const m = portPatch(extractPatch(rfc, "rfc.txt"));
  assert.deepEqual(step(m.steps, "class-create-owner")!.changes, [{
    line: 598,
    before: "\tdiag_class = class_create(NULL, DIAG_SYSTEM);",
    after: "\tdiag_class = class_create(DIAG_SYSTEM);",
  }]);
});

Deno.test("portPatch() of the RFC changes nothing else: every other line is as posted", () => {
  const m = portPatch(extractPatch(rfc, "rfc.txt"));
  const f = m.files[0]!;
  assert.equal(f.name, "trace_events_udiag.c");
  const before = f.original.split("\n");
  const after = f.text.split("\n");
  const changed = before.flatMap((l, i) => l === after[i] ? [] : [i + 1]);
  assert.deepEqual(changed, [598]);
  assert.deepEqual(after.slice(before.length - 1), [
    "",
    'MODULE_LICENSE("GPL");',
    'MODULE_DESCRIPTION("udiag - User mode to trace_event (ftrace, perf, eBPF) ABI");',
    "",
  ]);
});

Deno.test("portPatch() of the RFC writes a Kbuild with kernel/trace on the include path", () => {
  const m = portPatch(extractPatch(rfc, "rfc.txt"));
  assert.match(m.kbuild, /^obj-m \+= trace_events_udiag\.o$/m);
  assert.match(m.kbuild, /^ccflags-y \+= -I\$\(srctree\)\/kernel\/trace$/m);
  assert.deepEqual(m.inTree.map((f) => f.path), ["kernel/trace/Kconfig", "kernel/trace/Makefile"]);
});

Deno.test("portPatch() gives a file without class_create() no class-create-owner step", () => {
  const m = portPatch(extractPatch(
    newFilePatch("drivers/misc/x.c", ["static int x;", "module_init(f);"]),
    "x",
  ));
  assert.equal(step(m.steps, "class-create-owner"), undefined);
  assert.equal(step(m.steps, "kbuild-include-dir"), undefined);
  assert.equal(step(m.steps, "initcall-module-init"), undefined);
  assert.equal(step(m.steps, "kernel-exports"), undefined);
  assert.equal(step(m.steps, "in-tree-hunks"), undefined);
});

Deno.test("portPatch() keeps a one-argument class_create() and says it found nothing to change", () => {
  const m = portPatch(extractPatch(
    newFilePatch("drivers/misc/x.c", ['static void f(void) { c = class_create("x"); }']),
    "x",
  ));
  const s = step(m.steps, "class-create-owner")!;
  assert.equal(s.applied, false);
  assert.deepEqual(s.changes, []);
  assert.match(
    s.detail,
    /^nothing to change: 1 class_create\(\) call\(s\) already take one argument$/,
  );
  assert.ok(m.files[0]!.text.includes('class_create("x")'));
});

Deno.test("portPatch() ports a THIS_MODULE owner split over two lines", () => {
  const m = portPatch(extractPatch(
    newFilePatch("drivers/misc/x.c", ["c = class_create(THIS_MODULE,", "\t\t  DEV_NAME(a, b));"]),
    "x",
  ));
  assert.deepEqual(step(m.steps, "class-create-owner")!.changes, [{
    line: 1,
    before: "c = class_create(THIS_MODULE,\n\t\t  DEV_NAME(a, b));",
    after: "c = class_create(DEV_NAME(a, b));",
  }]);
});

Deno.test("portPatch() leaves a patch's own MODULE_LICENSE() and MODULE_DESCRIPTION() alone", () => {
  const lines = ['MODULE_LICENSE("Dual BSD/GPL");', 'MODULE_DESCRIPTION("x");'];
  const m = portPatch(extractPatch(newFilePatch("drivers/misc/x.c", lines), "x"));
  assert.deepEqual(
    m.steps.filter((s) => s.id.startsWith("module-")).map((s) => [s.id, s.applied]),
    [["module-license", false], ["module-description", false]],
  );
  assert.equal(m.files[0]!.text, lines.join("\n") + "\n");
});

Deno.test("portPatch() takes the licence from a dual SPDX line", () => {
  const m = portPatch(extractPatch(
    newFilePatch("drivers/misc/x.c", ["// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause"]),
    "x",
  ));
  assert.ok(m.files[0]!.text.includes('MODULE_LICENSE("Dual BSD/GPL");'));
});

Deno.test("portPatch() refuses a patch that adds no C file", () => {
  assert.throws(
    () => portPatch(extractPatch(newFilePatch("Documentation/x.rst", ["x"]), "x")),
    (e: unknown) =>
      e instanceof PortError &&
      e.message ===
        'Patch adds no C file (added "Documentation/x.rst"): nothing to build as a module',
  );
});

Deno.test("descriptionOf() drops the subject's bracket tags and escapes nothing itself", () => {
  assert.equal(descriptionOf("[RFC PATCH v2 1/3] udiag: x", "f"), "udiag: x");
  assert.equal(descriptionOf(null, "fallback"), "fallback");
});

Deno.test("originalLine() maps ported lines of the RFC back to the patch's lines", () => {
  const m = portPatch(extractPatch(rfc, "rfc.txt"));
  assert.equal(originalLine(m.steps, RFC_C, 598), 598);
  assert.equal(originalLine(m.steps, RFC_C, 650), 650);
  assert.equal(originalLine(m.steps, RFC_C, 652), null); // MODULE_LICENSE, added
  assert.equal(originalLine(m.steps, "other.c", 10), 10);
});

Deno.test("renderPortLog() shows each RFC step with its reason and diff", () => {
  const m = portPatch(extractPatch(rfc, "rfc.txt"));
  const md = renderPortLog({
    patchFile: "rfc.txt",
    subject: "[RFC PATCH] udiag",
    author: null,
    patchSha256: "00",
    kernel: "6.12.117",
    moduleName: m.name,
    modulePath: null,
    steps: m.steps,
    dryRuns: [{ path: "kernel/trace/Makefile", applies: false, output: "Hunk #1 FAILED at 79." }],
    warnings: [],
  });
  assert.ok(
    md.includes("### 1. `class-create-owner` (applied): `kernel/trace/trace_events_udiag.c`"),
  );
  assert.ok(md.includes(
    "@@ kernel/trace/trace_events_udiag.c:598 @@\n" +
      "-\tdiag_class = class_create(NULL, DIAG_SYSTEM);\n" +
      "+\tdiag_class = class_create(DIAG_SYSTEM);",
  ));
  assert.ok(md.includes("- `kernel/trace/Makefile`: would NOT apply to 6.12.117"));
  assert.ok(md.includes("## Compiler warnings\n\nNone."));
});

Deno.test("changeDiff() renders an append as + lines only", () => {
  assert.equal(
    changeDiff("a.c", { line: 3, before: "", after: "\nX;" }),
    "@@ a.c:3 @@\n+\n+X;",
  );
});

const MAKEFILE_HUNK = "diff --git a/drivers/misc/Makefile b/drivers/misc/Makefile\n" +
  "--- a/drivers/misc/Makefile\n+++ b/drivers/misc/Makefile\n@@ -1 +1,2 @@\n obj-y += a.o\n+obj-y += x.o\n";
const HEADER = "--- /dev/null\n+++ b/include/linux/x.h\n@@ -0,0 +1 @@\n+int x;\n";

/** Per row: a patch that needs the step, and one that does not. */
const ROW_CASES: readonly { id: string; needs: string; needsNot: string }[] = [
  {
    id: "class-create-owner",
    needs: newFilePatch("drivers/misc/x.c", ['c = class_create(THIS_MODULE, "x");']),
    needsNot: newFilePatch("drivers/misc/x.c", ["static int x;"]),
  },
  {
    id: "kbuild-include-dir",
    needs: newFilePatch("drivers/misc/x.c", ['#include "trace.h"']),
    needsNot: newFilePatch("drivers/misc/x.c", ["#include <linux/module.h>"]),
  },
  {
    id: "kbuild-patch-headers",
    needs: newFilePatch("drivers/misc/x.c", ["#include <linux/x.h>"]) + HEADER,
    needsNot: newFilePatch("drivers/misc/x.c", ["#include <linux/module.h>"]),
  },
  {
    id: "module-license",
    needs: newFilePatch("drivers/misc/x.c", ["static int x;"]),
    needsNot: newFilePatch("drivers/misc/x.c", ['MODULE_LICENSE("GPL");']),
  },
  {
    id: "module-description",
    needs: newFilePatch("drivers/misc/x.c", ["static int x;"]),
    needsNot: newFilePatch("drivers/misc/x.c", ['MODULE_DESCRIPTION("x");']),
  },
  {
    id: "initcall-module-init",
    needs: newFilePatch("drivers/misc/x.c", ["late_initcall_sync(f);"]),
    needsNot: newFilePatch("drivers/misc/x.c", ["module_init(f);"]),
  },
  {
    id: "no-module-exit",
    needs: newFilePatch("drivers/misc/x.c", ["module_init(f);"]),
    needsNot: newFilePatch("drivers/misc/x.c", ["module_exit(g);"]),
  },
  {
    id: "kernel-exports",
    needs: newFilePatch("drivers/misc/x.c", ["mutex_lock(&event_mutex);"]),
    needsNot: newFilePatch("drivers/misc/x.c", ["mutex_lock(&event_mutexes);"]),
  },
  {
    id: "in-tree-hunks",
    needs: newFilePatch("drivers/misc/x.c", ["static int x;"]) + MAKEFILE_HUNK,
    needsNot: newFilePatch("drivers/misc/x.c", ["static int x;"]),
  },
];

Deno.test("PORT_STEPS rows have unique kebab-case ids and a one-line reason", () => {
  const ids = PORT_STEPS.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, `duplicate id in ${ids.join(", ")}`);
  for (const r of PORT_STEPS) {
    assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.match(r.reason, /^\S.*\S$/, `${r.id} has a one-line reason`);
  }
  assert.deepEqual(ROW_CASES.map((c) => c.id), ids, "every row has a case below, in table order");
});

for (const c of ROW_CASES) {
  const row = PORT_STEPS.find((r) => r.id === c.id)!;
  Deno.test(`PORT_STEPS ${c.id}: applies to a patch that needs it`, () => {
    const m = portContext(extractPatch(c.needs, "needs"));
    assert.ok(row.applies(m));
    const outcomes = row.apply(m);
    assert.ok(outcomes.length > 0);
    if (row.kind !== "note") assert.ok(outcomes.some((o) => o.applied && o.changes.length > 0));
  });
  Deno.test(`PORT_STEPS ${c.id}: changes nothing in a patch that does not need it`, () => {
    const m = portContext(extractPatch(c.needsNot, "needs-not"));
    if (!row.applies(m)) return;
    for (const o of row.apply(m)) {
      assert.deepEqual([o.applied, o.changes, o.text], [false, [], undefined], o.detail);
      assert.match(o.detail, /^nothing to change: /);
    }
  });
}

Deno.test("PORT_STEPS note rows never change text; kbuild rows change only Kbuild", () => {
  for (const c of ROW_CASES) {
    for (const text of [c.needs, c.needsNot]) {
      const m = portContext(extractPatch(text, "x"));
      for (const row of PORT_STEPS.filter((r) => r.applies(m))) {
        for (const o of row.apply(m)) {
          if (row.kind === "note") {
            assert.deepEqual([o.applied, o.changes, o.text], [false, [], undefined]);
          }
          if (row.kind === "kbuild") assert.deepEqual([o.file, o.text], ["Kbuild", undefined]);
        }
      }
    }
  }
});

Deno.test("portPatch() logs its steps in PORT_STEPS order, each with its row's kind and reason", () => {
  for (const text of [rfc, ...ROW_CASES.flatMap((c) => [c.needs, c.needsNot])]) {
    const steps = portPatch(extractPatch(text, "x")).steps;
    const rows = steps.map((s) => PORT_STEPS.findIndex((r) => r.id === s.id));
    assert.deepEqual(rows, [...rows].sort((a, b) => a - b));
    for (const [i, s] of steps.entries()) {
      assert.deepEqual([s.kind, s.reason], [
        PORT_STEPS[rows[i]!]!.kind,
        PORT_STEPS[rows[i]!]!.reason,
      ]);
    }
  }
});

Deno.test("portPatch() asks the posted code, not its own appended lines, what the patch has", () => {
  // The subject becomes MODULE_DESCRIPTION("…module_exit() … event_mutex"), appended to x.c.
  const m = portPatch(extractPatch(
    newFilePatch(
      "drivers/misc/x.c",
      ["module_init(f);"],
      "[PATCH] fix module_exit() and event_mutex",
    ),
    "x",
  ));
  assert.ok(m.files[0]!.text.includes("module_exit() and event_mutex"));
  assert.ok(step(m.steps, "no-module-exit"));
  assert.equal(step(m.steps, "kernel-exports"), undefined);
});

Deno.test("portContext() puts module-wide lines in the C file with the init function", () => {
  const m = portContext(extractPatch(
    newFilePatch("drivers/misc/a.c", ["int a;"]) +
      newFilePatch("drivers/misc/b.c", ["fs_initcall(b_init);"]).replace(/^Subject: .*\n\n/, "") +
      HEADER,
    "x",
  ));
  assert.equal(m.name, "udiag_patch");
  assert.equal(m.main, "drivers/misc/b.c");
  assert.deepEqual(m.files.map((f) => f.name), ["a.c", "b.c", "include/linux/x.h"]);
});

Deno.test("portContext() refuses two added files that would share a module path", () => {
  assert.throws(
    () =>
      portContext(extractPatch(
        newFilePatch("drivers/a/x.c", ["int a;"]) + newFilePatch("drivers/a/x.c", ["int b;"]),
        "x",
      )),
    (e: unknown) =>
      e instanceof PortError &&
      e.message ===
        'Patch adds "drivers/a/x.c" and "drivers/a/x.c": both would be "x.c" in the module directory',
  );
});
