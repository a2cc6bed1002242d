import assert from "node:assert/strict";
import { kernelCmdline, qemuArgs } from "./qemu.ts";
import { runEnv, shellQuote } from "./initramfs.ts";
import {
  decideOutcome,
  FileTail,
  isOopsLine,
  isPanicLine,
  KnownReports,
  OOPS_GRACE_SECONDS,
  parseResults,
  REPORT_SETTLE_SECONDS,
  watchdogVerdict,
} from "./runner.ts";

Deno.test("qemuArgs() uses TCG with 2 vCPUs, -no-reboot, a read-only host share and a results port", () => {
  const a = qemuArgs({ bzImage: "/k", initrd: "/i", outDir: "/o", resultsFile: "/o/r" });
  const after = (flag: string) => a.filter((_, i) => a[i - 1] === flag);
  assert.deepEqual(after("-accel"), ["tcg"]);
  assert.deepEqual(after("-smp"), ["2"]);
  assert.ok(a.includes("-no-reboot"));
  // No ACPI PCI hotplug: its AML was half of acpi_init's boot time.
  assert.deepEqual(after("-global"), [
    "PIIX4_PM.acpi-pci-hotplug-with-bridge-support=off",
    "PIIX4_PM.acpi-root-pci-hotplug=off",
  ]);
  assert.ok(
    after("-virtfs").some((v) => v.startsWith("local,path=/,") && v.includes("readonly=on")),
  );
  assert.ok(
    after("-virtfs").some((v) => v.startsWith("local,path=/o,") && !v.includes("readonly")),
  );
  assert.deepEqual(after("-chardev"), ["file,id=results,path=/o/r"]);
  assert.ok(after("-device").includes("virtserialport,chardev=results,name=udiag.results"));
});

Deno.test("kernelCmdline() panics to a QEMU exit and keeps WARN non-fatal", () => {
  const c = kernelCmdline(["foo=1"]).split(" ");
  assert.ok(c.includes("panic=-1"));
  assert.ok(c.includes("panic_on_warn=0"));
  assert.equal(c.at(-1), "foo=1");
});

Deno.test("runEnv() quotes commands so the guest shell sees them verbatim", () => {
  const env = runEnv({
    command: `echo 'a b' "$X"; true`,
    cwd: "/w",
    outDir: "/o",
    modules: [],
    guestPath: "/bin",
    kmemleak: true,
  }, ["udiag.ko"]);
  assert.match(env, /^CMD='echo '\\''a b'\\'' "\$X"; true'$/m);
  assert.match(env, /^MODULES='udiag.ko'$/m);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("parseResults() keeps whole JSON lines, rejects the others aloud, waits for a torn last line", () => {
  const r = parseResults(
    '{"event":"booted"}\nnot json\n{"no":"event"}\n{"event":"exit","code":3}\n{"event":"do',
  );
  assert.deepEqual(r.events, [{ event: "booted" }, { event: "exit", code: 3 }]);
  assert.deepEqual(r.rejected, ["not json", '{"no":"event"}']);
  assert.deepEqual(parseResults('{"event":"a"}\n').events, [{ event: "a" }]);
});

Deno.test("FileTail reads on where it stopped, in bytes, and decodes a character cut between reads", async () => {
  const path = await Deno.makeTempFile();
  const tail = new FileTail(path);
  const bytes = new TextEncoder().encode("é€ line\n");
  await Deno.writeFile(path, bytes.subarray(0, 1));
  let got = tail.read();
  await Deno.writeFile(path, bytes.subarray(0, 4));
  got += tail.read();
  await Deno.writeFile(path, bytes);
  got += tail.read();
  assert.equal(got, "é€ line\n");
  await Deno.writeFile(path, new TextEncoder().encode("é€ line\nnext ✓\ntorn"));
  assert.equal(tail.read(true), "next ✓\n");
  await Deno.remove(path);
});

Deno.test("decideOutcome() tells a command's end from a panic, a lost guest and a kill", () => {
  const exit = [{ event: "exit", code: 0 }];
  assert.deepEqual(decideOutcome(null, exit, false), { kind: "exited", code: 0 });
  assert.ok(isPanicLine("[   12.5] Kernel panic - not syncing: x"));
  assert.ok(!isPanicLine("fine"));
  assert.deepEqual(decideOutcome(null, exit, true), { kind: "panic" });
  assert.deepEqual(decideOutcome(null, [], false), { kind: "lost" });
  assert.deepEqual(decideOutcome({ kind: "interrupted" }, exit, true), { kind: "interrupted" });
  assert.deepEqual(decideOutcome({ kind: "silent", seconds: 5 }, exit, false), {
    kind: "silent",
    seconds: 5,
  });
});

Deno.test("isOopsLine(): the lines that start an oops (the task is killed), not other reports", () => {
  const table: [string, boolean][] = [
    [
      "[   55.381585] Oops: general protection fault, probably for non-canonical address 0xdffffc0000000035: 0000 [#1] SMP KASAN",
      true,
    ],
    ["[   12.0] kernel BUG at drivers/misc/lkdtm/bugs.c:78!", true],
    ["[    3.1] BUG: unable to handle page fault for address: ffffc90000a1b000", true],
    ["[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000000", true],
    ["[    9.9] BUG: KASAN: slab-use-after-free in diag_ioctl+0x1/0x2", false],
    ["[    9.9] WARNING: CPU: 0 PID: 1 at kernel/foo.c:1 bar+0x1/0x2", false],
    ["[    9.9] BUG: sleeping function called from invalid context at mm/slub.c:1", false],
    [
      "[   55.384293] KASAN: null-ptr-deref in range [0x00000000000001a8-0x00000000000001af]",
      false,
    ],
    ["udiag-vm: alive 291.63", false],
  ];
  for (const [line, want] of table) assert.equal(isOopsLine(line), want, line);
});

Deno.test("watchdogVerdict(): timeout, silence, and the command's silence after an oops", () => {
  const limits = { timeout: 600_000, silence: 120_000 };
  const grace = OOPS_GRACE_SECONDS * 1000;
  const at = (now: number, o: Partial<Parameters<typeof watchdogVerdict>[0]> = {}) =>
    watchdogVerdict(
      { now, started: 0, lastActivity: now, lastCommandActivity: now, oopsAt: null, ...o },
      limits,
    );
  const table: [string, ReturnType<typeof watchdogVerdict>, ReturnType<typeof watchdogVerdict>][] =
    [
      ["busy", at(10_000), null],
      ["past the timeout", at(600_001), { kind: "timeout", seconds: 600 }],
      ["silent", at(200_000, { lastActivity: 79_999 }), { kind: "silent", seconds: 120 }],
      // init's heartbeat keeps the console going; only the command's silence counts.
      [
        "an oops, then the command quiet past the grace",
        at(100_000, { oopsAt: 50_000, lastCommandActivity: 40_000 }),
        { kind: "silent", seconds: OOPS_GRACE_SECONDS, afterOops: true },
      ],
      [
        "an oops, the command quiet within the grace",
        at(50_000 + grace, { oopsAt: 50_000, lastCommandActivity: 40_000 }),
        null,
      ],
      [
        "an oops, and the command still talking",
        at(200_000, { oopsAt: 50_000, lastCommandActivity: 199_000 }),
        null,
      ],
      [
        "the command quiet, no oops",
        at(100_000, { lastCommandActivity: 10_000 }),
        null,
      ],
      [
        "stopping at a report: within the settle time",
        at(50_000 + REPORT_SETTLE_SECONDS * 1000, { reportAt: 50_000 }),
        null,
      ],
      [
        "stopping at a report: past the settle time",
        at(50_001 + REPORT_SETTLE_SECONDS * 1000, { reportAt: 50_000 }),
        { kind: "stopped", reason: "a kernel report" },
      ],
      ["not stopping at reports", at(500_000, { reportAt: null }), null],
    ];
  for (const [what, got, want] of table) assert.deepEqual(got, want, what);
});

// SKIP_EBUSY's fuzz run captured in the guest (fuzz/testdata/README.md): one
// KASAN report, "KASAN: slab-use-after-free Read in diag_dev_release".
const SKIP_EBUSY = Deno.readTextFileSync(
  new URL("../../fuzz/testdata/skip_ebusy_kasan.console.log", import.meta.url),
).split("\n");
const KASAN = "KASAN: slab-use-after-free Read in diag_dev_release";
const SETTLE = REPORT_SETTLE_SECONDS * 1000;

/** Feeds the console's lines at time 0; what `newReportAt` says at `at`. */
function reportAt(known: string[], at: number, lines = SKIP_EBUSY): number | null {
  const k = new KnownReports(known);
  for (const l of lines) k.take(l, 0);
  return k.newReportAt(at);
}

const KNOWN_REPORTS: [string, string[], number, number | null][] = [
  ["no known titles: any report stops the run at once", [], 1, 0],
  [
    "a report not among the known stops it once printed whole",
    ["WARNING in elsewhere"],
    SETTLE + 1,
    0,
  ],
  [
    "a report not among the known is read only once printed whole",
    ["WARNING in elsewhere"],
    SETTLE,
    null,
  ],
  ["a known report does not stop it", [KASAN], SETTLE + 1, null],
];
for (const [name, known, at, want] of KNOWN_REPORTS) {
  Deno.test(`KnownReports: ${name}`, () => {
    assert.equal(reportAt(known, at), want);
  });
}

Deno.test("KnownReports: after a known report, a new one later still stops the run", () => {
  const k = new KnownReports([KASAN]);
  for (const l of SKIP_EBUSY) k.take(l, 0);
  assert.equal(k.newReportAt(SETTLE + 1), null);
  // The same console again: its report is known, so it passes a second time too.
  for (const l of SKIP_EBUSY) k.take(l, 20_000);
  assert.equal(k.newReportAt(20_000 + SETTLE + 1), null);
  const other = Deno.readTextFileSync(
    new URL("../console/testdata/kasan-double-free", import.meta.url),
  ).split("\n");
  for (const l of other) k.take(l, 40_000);
  assert.equal(k.newReportAt(40_000 + SETTLE + 1), 40_000);
});

Deno.test("KnownReports: a report is judged only once it began REPORT_SETTLE_SECONDS ago, half a report never", () => {
  const k = new KnownReports(["WARNING in elsewhere"]);
  const at = SKIP_EBUSY.findIndex((l) => l.includes("BUG: KASAN"));
  // The report's first lines came at 20 s; its end has not come yet.
  SKIP_EBUSY.slice(0, at).forEach((l) => k.take(l, 0));
  SKIP_EBUSY.slice(at, at + 3).forEach((l) => k.take(l, 20_000));
  assert.equal(k.newReportAt(20_000 + SETTLE - 1), null);
  SKIP_EBUSY.slice(at + 3).forEach((l) => k.take(l, 21_000));
  assert.equal(k.newReportAt(20_000 + SETTLE + 1), 20_000);
});
