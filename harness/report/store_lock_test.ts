/**
 * Two campaigns on one checkout, and the jobs of one, file into one
 * `reports/`: no occurrence may be lost to a read-modify-write race.
 */
import assert from "node:assert/strict";
import { type Finding, listFindings, saveFinding } from "./store.ts";

const occurrence = (n: number): Finding => ({
  title: "KASAN: slab-use-after-free Read in diag_dev_write",
  kind: "kernel",
  type: "KASAN",
  report: `report ${n}`,
  log: `log ${n}`,
  case: `fuzz/model/1/${n}`,
  env: {},
});

Deno.test("saveFinding() counts every occurrence when jobs of one process file one title at once", async () => {
  const root = await Deno.makeTempDir({ prefix: "udiag-store-" });
  await Promise.all(Array.from({ length: 24 }, (_, i) => saveFinding(root, occurrence(i))));
  const [meta] = await listFindings(root);
  assert.equal(meta!.count, 24);
  assert.equal(meta!.cases.length, 24);
  await Deno.remove(root, { recursive: true });
});

Deno.test("saveFinding() counts every occurrence when two processes file one title at once", async () => {
  const root = await Deno.makeTempDir({ prefix: "udiag-store-" });
  const script = `
    import { saveFinding } from ${JSON.stringify(new URL("./store.ts", import.meta.url).href)};
    const [root, who] = Deno.args;
    await Promise.all(Array.from({ length: 12 }, (_, i) => saveFinding(root, {
      title: "KASAN: slab-use-after-free Read in diag_dev_write", kind: "kernel", type: "KASAN",
      report: "r", log: "l", case: \`\${who}/\${i}\`, env: {},
    })));`;
  const file = `${root}/.filer.ts`;
  await Deno.writeTextFile(file, script);
  const run = (who: string) =>
    new Deno.Command(Deno.execPath(), { args: ["run", "-A", file, root, who] }).output();
  const outs = await Promise.all([run("a"), run("b")]);
  for (const o of outs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const [meta] = await listFindings(root);
  assert.equal(meta!.count, 24);
  await Deno.remove(root, { recursive: true });
});
