import assert from "node:assert/strict";
import { parseMemInfo } from "./meminfo.ts";

Deno.test("parseMemInfo: kB fields, counts and parenthesised names", () => {
  const m = parseMemInfo(
    "MemTotal:        2014520 kB\nMemAvailable:    1843212 kB\nSlab:              51234 kB\n" +
      "HugePages_Total:       0\nActive(anon):      12 kB\n",
  );
  assert.equal(m.MemAvailable, 1843212);
  assert.equal(m.Slab, 51234);
  assert.equal(m.HugePages_Total, 0);
  assert.equal(m["Active(anon)"], 12);
});
