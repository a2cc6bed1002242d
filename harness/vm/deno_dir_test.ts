import assert from "node:assert/strict";
import { guestModules } from "./deno_dir.ts";

Deno.test("guestModules(): every module the guest may load, not host tests or tools", async () => {
  const root = await Deno.makeTempDir();
  const files = [
    "a.ts",
    "a_test.ts",
    "rules/x_rules.ts",
    "node_modules/m/index.ts",
    "out/gen.ts",
    "tools/t.ts",
    "x/testdata/d.ts",
    "readme.md",
  ];
  for (const f of files) {
    await Deno.mkdir(`${root}/${f}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${root}/${f}`, "");
  }
  assert.deepEqual(await guestModules(root), [`${root}/a.ts`, `${root}/rules/x_rules.ts`]);
  await Deno.remove(root, { recursive: true });
});
