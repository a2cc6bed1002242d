import assert from "node:assert/strict";
import {
  bootMarks,
  FIX_TOKEN,
  guestStages,
  hostStages,
  parseTimedLog,
  printkTime,
  type TimedRecord,
  variantCmdline,
} from "./stages.ts";
import { kernelCmdline } from "../harness/vm/qemu.ts";

const dir = new URL("./testdata/", import.meta.url);

function boot(name: string): { lines: ReturnType<typeof parseTimedLog>; records: TimedRecord[] } {
  const lines = parseTimedLog(Deno.readTextFileSync(new URL(`${name}.console.log`, dir)));
  const records = Deno.readTextFileSync(new URL(`${name}.records.jsonl`, dir))
    .split("\n").filter(Boolean).map((l) => JSON.parse(l) as TimedRecord);
  return { lines, records };
}

Deno.test("variantCmdline() keeps the harness's line for after and drops only acpi=noirq for before", () => {
  const now = kernelCmdline();
  assert.equal(variantCmdline(now, "after"), now);
  const before = variantCmdline(now, "before").split(" ");
  assert.ok(!before.includes(FIX_TOKEN));
  assert.deepEqual(before, now.split(" ").filter((w) => w !== FIX_TOKEN));
});

Deno.test("variantCmdline() refuses a line without acpi=noirq, so before and after cannot be equal", () => {
  assert.throws(() => variantCmdline("console=ttyS0 panic=-1", "before"), /has no "acpi=noirq"/);
});

Deno.test("printkTime() reads the timestamp of a console line and null for a line without one", () => {
  assert.equal(printkTime("[   27.536217] udiag-fuzz[64]: fuzz/model/1/1: start"), 27.536217);
  assert.equal(printkTime("udiag-vm: booted"), null);
});

Deno.test("parseTimedLog() refuses a line without a host time", () => {
  assert.throws(() => parseTimedLog("[    0.000000] Linux version\n"), SyntaxError);
});

for (const name of ["boot_after", "boot_before"]) {
  Deno.test(`bootMarks() finds every mark in testdata/${name}`, () => {
    const { lines, records } = boot(name);
    const m = bootMarks(lines, records);
    assert.equal(m.cpus, 2);
    assert.ok(m.firstOutput !== null && m.firstOutput > 0);
    for (const k of ["booted", "start", "firstCase", "bootedRecord", "startRecord"] as const) {
      assert.ok(m[k] !== null, `${k} missing`);
      assert.ok(m[k]!.guest !== null, `${k} has no guest time`);
    }
    assert.ok(m.firstProgressRecord !== null);
    // In the order they happen, on both clocks.
    assert.ok(m.firstOutput! < m.booted!.host && m.booted!.host < m.start!.host);
    assert.ok(
      m.start!.host < m.firstCase!.host && m.firstCase!.host <= m.firstProgressRecord!.host,
    );
    assert.ok(m.booted!.guest! < m.start!.guest! && m.start!.guest! < m.firstCase!.guest!);
    // A record cannot be read before init wrote it, nor its uptime precede the console line's.
    assert.ok(m.bootedRecord!.guest! >= m.booted!.guest!);
  });

  Deno.test(`hostStages() and guestStages() add up to boot-to-first-case in testdata/${name}`, () => {
    const { lines, records } = boot(name);
    const m = bootMarks(lines, records);
    for (const s of [hostStages(m), guestStages(m)]) {
      for (const v of Object.values(s)) assert.ok(v !== null && v > 0);
      assert.ok(Math.abs(s.kernelBoot! + s.guestSetup! + s.denoStartup! - s.total!) < 1e-9);
    }
    // The guest's clock starts after QEMU did: firmware and decompression come first.
    assert.ok(guestStages(m).kernelBoot! < hostStages(m).kernelBoot!);
  });
}

Deno.test("bootMarks() counts soft lockups and leaves missing marks null", () => {
  const m = bootMarks([
    { t: 1, line: "[    0.5] smp: Brought up 1 node, 2 CPUs" },
    { t: 70, line: "[   66.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]" },
  ], []);
  assert.equal(m.softLockups, 1);
  assert.equal(m.booted, null);
  assert.deepEqual(hostStages(m), {
    kernelBoot: null,
    guestSetup: null,
    denoStartup: null,
    total: null,
  });
});
