import assert from "node:assert/strict";
import { guestModules, stageDenoDir } from "./deno_dir.ts";
import { guestEntries } from "./code_cache_warm.ts";
import { ROOT } from "../paths.ts";

Deno.test("guestModules(): the checkout's modules a guest may load, no tests, no dependencies", async () => {
  const mods = (await guestModules()).map((p) => p.slice(ROOT.length + 1));
  assert.ok(mods.includes("fuzz/guest.ts"));
  assert.ok(mods.includes("abi/udiag/conformance/reg_rules.ts"));
  assert.deepEqual(mods.filter((m) => m.endsWith("_test.ts")), []);
  assert.deepEqual(mods.filter((m) => /^(node_modules|tools|out)\//.test(m)), []);
});

Deno.test("stageDenoDir(): the emits of every guest module, the analysis and V8 code caches, not the npm cache", async () => {
  const dest = await Deno.makeTempDir({ prefix: "udiag-denodir-" });
  assert.equal(await stageDenoDir(dest), true);
  const names = [...Deno.readDirSync(dest)].map((e) => e.name).sort();
  assert.ok(names.includes("gen"), names.join());
  assert.ok(names.includes("dep_analysis_cache_v2"), names.join());
  assert.ok(names.includes("v8_code_cache_v2"), names.join());
  assert.ok(!names.includes("npm"));
  // The emit of a guest module, under its absolute path as Deno keys it.
  const emitted: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(`${d}/${e.name}`);
      else emitted.push(`${d}/${e.name}`);
    }
  };
  walk(`${dest}/gen`);
  assert.ok(emitted.some((p) => p.includes(`${ROOT}/fuzz/guest.`)), emitted.slice(0, 3).join());
  await Deno.remove(dest, { recursive: true });
});

Deno.test("guestEntries(): the fuzz guest and every ABI's suite files, each once", async () => {
  const e = await guestEntries();
  assert.ok(e.includes("fuzz/guest.ts"));
  assert.ok(e.includes("abi/udiag/conformance/reg_rules.ts"));
  assert.ok(e.some((f) => f.startsWith("abi/user_events/security/")), e.join());
  assert.equal(new Set(e).size, e.length);
});
