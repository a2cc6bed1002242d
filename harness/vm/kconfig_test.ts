import assert from "node:assert/strict";
import { kconfigMismatches, parseKconfig } from "./kconfig.ts";

Deno.test("parseKconfig() reads values and 'is not set' lines, ignoring comments", () => {
  const v = parseKconfig(
    '# comment\nCONFIG_A=y\nCONFIG_N=4\n# CONFIG_B is not set\nCONFIG_S="x y"\n',
  );
  assert.deepEqual([...v], [["CONFIG_A", "y"], ["CONFIG_N", "4"], ["CONFIG_B", null], [
    "CONFIG_S",
    '"x y"',
  ]]);
});

Deno.test("kconfigMismatches() names options olddefconfig dropped or changed", () => {
  const want = parseKconfig("CONFIG_KASAN=y\n# CONFIG_SLUB_TINY is not set\nCONFIG_NR_CPUS=4\n");
  const got = parseKconfig("CONFIG_SLUB_TINY=y\nCONFIG_NR_CPUS=4\n");
  assert.deepEqual(kconfigMismatches(want, got), [
    { option: "CONFIG_KASAN", wanted: "y", got: null },
    { option: "CONFIG_SLUB_TINY", wanted: null, got: "y" },
  ]);
});

Deno.test("kmod/kernel/base.config asks for the detectors the design requires", () => {
  const base = parseKconfig(
    Deno.readTextFileSync(new URL("../../kmod/kernel/base.config", import.meta.url)),
  );
  for (
    const opt of [
      "CONFIG_KASAN",
      "CONFIG_PROVE_LOCKING",
      "CONFIG_DEBUG_KMEMLEAK",
      "CONFIG_DEBUG_ATOMIC_SLEEP",
      "CONFIG_PERF_EVENTS",
      "CONFIG_BPF_EVENTS",
      "CONFIG_USER_EVENTS",
      "CONFIG_LKDTM",
      "CONFIG_ADVISE_SYSCALLS",
      "CONFIG_MEMBARRIER",
      "CONFIG_9P_FS",
      "CONFIG_VIRTIO_CONSOLE",
      "CONFIG_ACPI",
    ]
  ) assert.equal(base.get(opt), "y", opt);
  assert.equal(base.get("CONFIG_PANIC_ON_OOPS") ?? null, null);
});
