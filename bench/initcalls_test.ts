import assert from "node:assert/strict";
import { bootStretches, initcallsMarkdown, parseInitcalls } from "./initcalls.ts";
import { parseTimedLog } from "./stages.ts";

// A real boot of our base kernel under TCG with `initcall_debug ignore_loglevel`
// (`deno task bench --parts initcalls`, 2026-12-03, another guest running beside it).
const REAL = parseTimedLog(
  Deno.readTextFileSync(new URL("./testdata/initcall_debug.console.timed.log", import.meta.url)),
).map((l) => l.line);

Deno.test("parseInitcalls(): a real initcall_debug boot", () => {
  const p = parseInitcalls(REAL);
  assert.equal(p.initcalls.length, 342);
  // Slowest first; the console's own time is in these (two lines per initcall).
  assert.deepEqual(p.initcalls.slice(0, 2).map((c) => [c.fn, c.usecs]), [
    ["pty_init", 4539832],
    ["acpi_init", 4364000],
  ]);
  // PCI quirks print "calling" too, after a device name: not initcalls.
  assert.ok(!p.initcalls.some((c) => c.fn.startsWith("quirk_")));
  const mod = p.initcalls.filter((c) => c.module !== null);
  assert.deepEqual(mod.map((c) => [c.fn, c.module]), [["udiag_init", "udiag"]]);
  assert.equal(p.lastBuiltin, 15.64829);
  assert.equal(p.runInit, 15.894037);
  assert.equal(p.booted, 18.029592);
  assert.ok(p.builtinSeconds < p.totalSeconds);
  const st = bootStretches(p);
  assert.equal(st[2]!.seconds!.toFixed(3), "0.246");
  assert.equal(st[3]!.seconds!.toFixed(3), "2.136");
});

Deno.test("parseInitcalls(): what is no initcall is skipped, and a failed one kept with its errno", () => {
  const p = parseInitcalls([
    "no printk time: initcall a+0x0/0x1 returned 0 after 5 usecs",
    "[    0.100000] pci 0000:00:00.0: calling  quirk_x+0x0/0x6e @ 1",
    "[    0.200000] initcall b+0x0/0x1 returned -19 after 7 usecs",
    "[    0.300000] Run /init as init process",
  ]);
  assert.deepEqual(p.initcalls, [{ fn: "b", module: null, ret: -19, usecs: 7, at: 0.2 }]);
  assert.equal(p.booted, null);
  assert.deepEqual(bootStretches(p).map((x) => x.seconds === null), [false, false, false, true]);
  assert.match(initcallsMarkdown(p), /\| `b` \| 0 ms \| 100 % \| -19 \|/);
});
