import assert from "node:assert/strict";
import {
  buildPatchTarget,
  buildWarnings,
  errorLocation,
  firstError,
  PatchBuildError,
  withDryRuns,
} from "./build.ts";
import { extractPatch } from "./extract.ts";
import { portPatch } from "./port.ts";
import { cacheRoot, type KernelBuild, kernelKey } from "../vm/kernel.ts";
import { capture } from "../proc.ts";

const testdata = (name: string) =>
  Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url));
const RFC = new URL("../../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url).pathname;

Deno.test("firstError() quotes the compiler's class_create() error with its file and line", () => {
  const e = firstError(testdata("class_create_error.log"))!;
  assert.equal(e.file, "/tmp/rfcprobe2/trace_events_udiag.c");
  assert.equal(e.line, 598);
  assert.equal(e.message, "error: too many arguments to function ‘class_create’");
  const quote = e.quote.split("\n");
  assert.equal(quote[1], "  598 |         diag_class = class_create(NULL, DIAG_SYSTEM);");
  assert.ok(!e.quote.includes("make["), "make's own lines are left out");
});

Deno.test("firstError() reports modpost's missing MODULE_LICENSE() without a line", () => {
  const e = firstError(testdata("missing_license_error.log"))!;
  assert.deepEqual([e.file, e.line], [null, null]);
  assert.equal(
    e.message,
    "modpost: missing MODULE_LICENSE() in /tmp/rfcprobe2/trace_events_udiag.o",
  );
});

Deno.test("buildWarnings() finds no warning in logs that only have errors and notes", () => {
  assert.deepEqual(buildWarnings(testdata("class_create_error.log")), []);
});

Deno.test("errorLocation() maps the RFC's class_create() error to its patch line", () => {
  const extracted = extractPatch(Deno.readTextFileSync(RFC), "rfc.txt");
  const ported = portPatch(extracted);
  const first = firstError(testdata("class_create_error.log"));
  const at = errorLocation(first, "/tmp/rfcprobe2", ported, extracted);
  const patchLine = Deno.readTextFileSync(RFC).split("\n")
    .indexOf("+\tdiag_class = class_create(NULL, DIAG_SYSTEM);") + 1;
  assert.deepEqual(at, {
    file: "kernel/trace/trace_events_udiag.c",
    patchLine,
    where: `kernel/trace/trace_events_udiag.c:598 (patch line ${patchLine}): `,
  });
});

/** A two-line C file at drivers/misc/x.c, ported; its Makefile hunk stays in the tree. */
const SMALL = extractPatch(
  "--- /dev/null\n+++ b/drivers/misc/x.c\n@@ -0,0 +1,2 @@\n+int a;\n+int b = c;\n" +
    "diff --git a/Makefile b/Makefile\n--- a/Makefile\n+++ b/Makefile\n@@ -1 +1 @@\n-a\n+b\n",
  "x.patch",
);
const SMALL_PORTED = portPatch(SMALL);

const ERROR_LOCATIONS: readonly {
  name: string;
  first: { file: string | null; line: number | null } | null;
  want: ReturnType<typeof errorLocation>;
}[] = [
  {
    name: "a line of the patch",
    first: { file: "/m/x.c", line: 2 },
    want: { file: "drivers/misc/x.c", patchLine: 5, where: "drivers/misc/x.c:2 (patch line 5): " },
  },
  {
    name: "a line a port step appended",
    first: { file: "/m/x.c", line: 4 }, // after "", MODULE_LICENSE("GPL");
    want: {
      file: "drivers/misc/x.c",
      patchLine: null,
      where: "drivers/misc/x.c:4 (a line added by a port step): ",
    },
  },
  {
    name: "a kernel header the patch does not add",
    first: { file: "./include/linux/fs.h", line: 7 },
    want: { file: "./include/linux/fs.h", patchLine: null, where: "./include/linux/fs.h:7: " },
  },
  {
    name: "modpost, which names no file",
    first: { file: null, line: null },
    want: { file: null, patchLine: null, where: "" },
  },
  { name: "no error line at all", first: null, want: { file: null, patchLine: null, where: "" } },
];

for (const c of ERROR_LOCATIONS) {
  Deno.test(`errorLocation() of ${c.name}`, () => {
    assert.deepEqual(errorLocation(c.first, "/m", SMALL_PORTED, SMALL), c.want);
  });
}

Deno.test("withDryRuns() adds patch(1)'s verdict to in-tree notes only, without its checking lines", () => {
  const dry = {
    path: "Makefile",
    applies: false,
    output: "checking file Makefile\nHunk #1 FAILED at 1.",
  };
  const steps = withDryRuns(SMALL_PORTED.steps, [dry], "");
  const inTree = steps.filter((s) => s.id === "in-tree-hunks");
  assert.deepEqual(inTree.map((s) => s.detail), [
    '1 hunk(s) to modified "Makefile" not applied; patch --dry-run -p1 on the tree: would NOT apply (Hunk #1 FAILED at 1.)',
  ]);
  assert.deepEqual(
    steps.filter((s) => s.id !== "in-tree-hunks"),
    SMALL_PORTED.steps.filter((s) => s.id !== "in-tree-hunks"),
  );
});

/** The cached base kernel, or null: these tests never start a 5-minute kernel build. */
async function cachedKernel(): Promise<KernelBuild | null> {
  try {
    const sourceVersion = await capture("dpkg-query", ["-W", "-f=${Version}", "linux-source-6.12"]);
    const key = await kernelKey("base", sourceVersion);
    const dir = `${cacheRoot()}/kernels/base-${key}`;
    await Deno.stat(`${dir}/done.json`);
    const tree = `${dir}/tree`;
    return {
      profile: "base",
      key,
      patch: null,
      sourceVersion,
      tree,
      bzImage: `${tree}/arch/x86/boot/bzImage`,
      release: (await Deno.readTextFile(`${tree}/include/config/kernel.release`)).trim(),
    };
  } catch {
    return null;
  }
}

const kernel = await cachedKernel();
/** Why the tests that build against the cached kernel are ignored, or null when they run. */
const noKernel = kernel === null
  ? `no cached base kernel under ${cacheRoot()}/kernels (\`deno task kernel\` builds one)`
  : null;
const ignore = noKernel !== null;
if (noKernel) console.warn(`# skip buildPatchTarget() builds: ${noKernel}`);

/** A kernel with no tree: for a test that must fail before anything is built. */
const NO_TREE: KernelBuild = {
  profile: "base",
  key: "0000000000000000",
  patch: null,
  sourceVersion: "none",
  tree: "/nonexistent/udiag-patch-test-tree",
  bzImage: "/nonexistent/udiag-patch-test-tree/bzImage",
  release: "",
};

async function withBuildRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "udiag-patch-test-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function writePatch(root: string, lines: readonly string[]): Promise<string> {
  const file = `${root}/x.patch`;
  await Deno.writeTextFile(
    file,
    `Subject: [PATCH] x: test module\n\n--- /dev/null\n+++ b/drivers/misc/x.c\n` +
      `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}\n`).join("")}`,
  );
  return file;
}

Deno.test({
  name: "buildPatchTarget() builds the RFC beside the cached kernel and writes port.md",
  ignore,
  fn: () =>
    withBuildRoot(async (root) => {
      const t = await buildPatchTarget(kernel!, RFC, root);
      assert.equal(t.name, "trace_events_udiag");
      assert.equal(t.dir, `${root}/patch-${t.patchSha256.slice(0, 8)}-${kernel!.key}`);
      assert.equal(t.modulePath, `${t.dir}/trace_events_udiag.ko`);
      assert.ok((await Deno.stat(t.modulePath)).size > 0);
      assert.equal(
        t.subject,
        "[RFC PATCH] udiag - User mode to trace_event (ftrace, perf, eBPF) ABI",
      );
      assert.deepEqual(t.warnings, []);
      assert.deepEqual(t.dryRuns.map((d) => [d.path, d.applies]), [
        ["kernel/trace/Kconfig", true],
        ["kernel/trace/Makefile", false],
      ]);
      const makefile = t.steps.find((s) => s.file === "kernel/trace/Makefile")!;
      assert.match(makefile.detail, /would NOT apply \(Hunk #1 FAILED at 79\./);
      assert.equal(await Deno.readTextFile(`${t.dir}/port.md`), t.log);
      assert.ok(t.log.includes("## Steps"));
    }),
});

Deno.test({
  name: "buildPatchTarget() twice at once on one patch: both build (one make at a time)",
  ignore,
  fn: () =>
    withBuildRoot(async (root) => {
      // A mutation run's baseline runs side by side once made both builds
      // race in one folder: fixdep lost its .o.d and make failed.
      const [a, b] = await Promise.all([
        buildPatchTarget(kernel!, RFC, root),
        buildPatchTarget(kernel!, RFC, root),
      ]);
      assert.equal(a.modulePath, b.modulePath);
      assert.ok((await Deno.stat(a.modulePath)).size > 0);
      assert.equal((await Deno.readTextFile(`${a.dir}/build.log`)).match(/CC \[M\]/g)?.length, 1);
    }),
});

Deno.test({
  name: "buildPatchTarget() names the patch line of a compile error",
  ignore,
  fn: () =>
    withBuildRoot(async (root) => {
      const file = await writePatch(root, [
        "// SPDX-License-Identifier: GPL-2.0",
        "#include <linux/module.h>",
        "static int x = undeclared_thing;",
      ]);
      const e = await buildPatchTarget(kernel!, file, root).then(
        () => assert.fail("expected a PatchBuildError"),
        (e: unknown) => e,
      );
      assert.ok(e instanceof PatchBuildError, String(e));
      assert.deepEqual([e.file, e.line, e.patchLine], ["drivers/misc/x.c", 3, 8]);
      assert.match(
        e.message,
        /^Cannot build module "x" from patch ".*x\.patch" for kernel .*: drivers\/misc\/x\.c:3 \(patch line 8\): error: .*undeclared_thing/,
      );
      assert.ok(
        (await Deno.readTextFile(`${root}/x.patch`)).split("\n")[7]!.includes("undeclared_thing"),
      );
    }),
});

Deno.test({
  name: "buildPatchTarget() builds code with warnings and keeps them in the log",
  ignore,
  fn: () =>
    withBuildRoot(async (root) => {
      const file = await writePatch(root, [
        "// SPDX-License-Identifier: GPL-2.0",
        "#include <linux/module.h>",
        "static int __init x_init(void) { int unused; return 0; }",
        "module_init(x_init);",
      ]);
      const t = await buildPatchTarget(kernel!, file, root);
      assert.equal(t.warnings.length, 1, t.warnings.join("\n"));
      assert.match(t.warnings[0]!, /x\.c:3:\d+: warning: unused variable/);
      assert.ok(t.log.includes(t.warnings[0]!));
    }),
});

// Needs no kernel: the patch file is read before the tree is touched, so it always runs.
Deno.test("buildPatchTarget() of a missing file says which file", () =>
  withBuildRoot(async (root) => {
    await assert.rejects(
      buildPatchTarget(kernel ?? NO_TREE, `${root}/nope.patch`, root),
      (e: unknown) =>
        e instanceof Deno.errors.NotFound &&
        e.message === `Patch file "${root}/nope.patch" does not exist`,
    );
    // Nothing was written for a patch that could not be read.
    assert.deepEqual([...Deno.readDirSync(root)], []);
  }));
