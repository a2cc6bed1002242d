import assert from "node:assert/strict";
import { buildPatchTarget, buildWarnings, firstError, PatchBuildError } from "./build.ts";
import { cacheRoot, type KernelBuild, kernelKey } from "../vm/kernel.ts";
import { capture } from "../proc.ts";

const testdata = (name: string) =>
  Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url));
const RFC = new URL("../../kmod/rfc/000_aa391f59f6e4613c.txt", import.meta.url).pathname;

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
const ignore = kernel === null; // No cached kernel: `deno task kernel` builds one.

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

Deno.test({
  name: "buildPatchTarget() of a missing file says which file",
  ignore,
  fn: () =>
    withBuildRoot(async (root) => {
      await assert.rejects(
        buildPatchTarget(kernel!, `${root}/nope.patch`, root),
        (e: unknown) =>
          e instanceof Deno.errors.NotFound &&
          e.message === `Patch file "${root}/nope.patch" does not exist`,
      );
    }),
});
