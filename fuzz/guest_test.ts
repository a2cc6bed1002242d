import assert from "node:assert/strict";
import { main } from "./guest.ts";

// The benchmark times Deno's start-up by this flag (bench/guest.ts): it must
// load each ABI's campaigns and canary, touch no device, and exit 0.
for (const abi of ["udiag", "user_events"]) {
  Deno.test(`fuzz/guest.ts --abi ${abi} --load-only loads the campaigns and exits 0`, async () => {
    assert.equal(await main(["--abi", abi, "--load-only"]), 0);
  });
}

Deno.test("fuzz/guest.ts refuses an unknown ABI before it loads anything", async () => {
  await assert.rejects(main(["--abi", "nosuch", "--load-only"]), /nosuch/);
});
