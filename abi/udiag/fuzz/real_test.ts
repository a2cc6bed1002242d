import assert from "node:assert/strict";
import { CaseTracefs } from "./real.ts";

Deno.test("CaseTracefs remembers each event enabled through it, refused or not, and no other", async () => {
  const root = await Deno.makeTempDir({ prefix: "udiag-tracefs-" });
  await Deno.mkdir(`${root}/events/udiag/f0`, { recursive: true });
  await Deno.writeTextFile(`${root}/events/udiag/f0/enable`, "0");
  const t = new CaseTracefs("udiag", root);
  assert.ok(t.setEnabled("f0", true).ok);
  assert.equal(Deno.readTextFileSync(`${root}/events/udiag/f0/enable`), "1");
  assert.equal(t.setEnabled("f1", true).ok, false); // no such event: still disabled at clean-up
  t.setEnabled("f2", false);
  t.setEnabled("f0", false);
  assert.deepEqual(t.enabled(), ["f0", "f1"]);
  await Deno.remove(root, { recursive: true });
});
