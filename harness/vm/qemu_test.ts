import assert from "node:assert/strict";
import { kernelCmdline, qemuArgs } from "./qemu.ts";
import { runEnv, shellQuote } from "./initramfs.ts";
import { decideOutcome, FileTail, isPanicLine, parseResults } from "./runner.ts";

Deno.test("qemuArgs() uses TCG with 2 vCPUs, -no-reboot, a read-only host share and a results port", () => {
  const a = qemuArgs({ bzImage: "/k", initrd: "/i", outDir: "/o", resultsFile: "/o/r" });
  const after = (flag: string) => a.filter((_, i) => a[i - 1] === flag);
  assert.deepEqual(after("-accel"), ["tcg"]);
  assert.deepEqual(after("-smp"), ["2"]);
  assert.ok(a.includes("-no-reboot"));
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
