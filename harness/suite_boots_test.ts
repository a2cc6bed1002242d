import assert from "node:assert/strict";
import { runTestFileSuite, testCommand } from "./suite_boots.ts";
import { caseMark } from "./marks.ts";
import { countJunit } from "./report/junit.ts";
import { HEALTH_EXIT } from "./health/after_case.ts";
import type { GuestRunResult } from "./vm/guest_run.ts";

Deno.test("testCommand() runs deno test, keeps its status, and leaves the JUnit in $UDIAG_OUT", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-suite-" });
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  // A stand-in deno: writes the --junit-path file in many small writes, as Deno does, then fails.
  await Deno.writeTextFile(
    `${bin}/deno`,
    `#!/bin/sh\nfor a in "$@"; do case "$a" in --junit-path=*) p=\${a#--junit-path=};; esac; done\n` +
      `echo "$*" > "${dir}/args"\nfor i in 1 2 3; do printf '<t%s/>' $i >> "$p"; done\nexit 3\n`,
  );
  await Deno.chmod(`${bin}/deno`, 0o755);
  const out = `${dir}/out`;
  await Deno.mkdir(out);
  const cmd = testCommand(["a b.ts", "c.ts"], ["R-1", "R-2"], "x-junit.xml");
  const r = await new Deno.Command("sh", {
    args: ["-c", cmd],
    env: { PATH: `${bin}:/usr/bin:/bin`, UDIAG_OUT: out, TMPDIR: dir },
  }).output();
  assert.equal(r.code, 3);
  assert.equal(await Deno.readTextFile(`${out}/x-junit.xml`), "<t1/><t2/><t3/>");
  // Written to TMPDIR first, removed after the copy.
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["args", "bin", "out"]);
  const args = await Deno.readTextFile(`${dir}/args`);
  assert.match(args, /--filter \/\^\\\[\(R-1\|R-2\)\\\]\/ a b\.ts c\.ts/);
  await Deno.remove(dir, { recursive: true });
});

const bootDirs: string[] = [];

/** A boot's result as runTestFileSuite reads it: results, console, and the run's directory. */
async function fakeBoot(
  results: Record<string, unknown>[],
  ran: string[],
  junit: string | null,
  code: number,
): Promise<GuestRunResult> {
  const outDir = await Deno.makeTempDir({ prefix: "udiag-boot-" });
  bootDirs.push(outDir);
  if (junit !== null) await Deno.writeTextFile(`${outDir}/t-junit.xml`, junit);
  const console = ran.flatMap((id) => [caseMark("t", id, "start"), caseMark("t", id, "end")])
    .join("\n");
  return {
    run: { outcome: { kind: "exited", code }, outDir, console, results },
    exitCode: code,
  } as unknown as GuestRunResult;
}

Deno.test("runTestFileSuite(): a case that broke a consumer ends its boot; the rest runs in a fresh one, every case counted", async () => {
  const commands: string[] = [];
  const health = { event: "health", suite: "t", id: "B", title: "health: x", problems: [] };
  const boots = [
    () =>
      fakeBoot(
        [{ event: "o", id: "A", ok: true }, { event: "o", id: "B", ok: false }, health],
        ["A", "B"],
        null, // the process exited before Deno wrote its report
        HEALTH_EXIT,
      ),
    () =>
      fakeBoot(
        [{ event: "o", id: "C", ok: true }],
        ["C"],
        '<testsuites><testsuite name="t"><testcase name="[C] c"/></testsuite></testsuites>',
        0,
      ),
  ];
  const r = await runTestFileSuite<{ id: string; ok: boolean }>({
    suite: "t",
    event: "o",
    files: ["t.ts"],
    ids: ["A", "B", "C"],
    allIds: ["A", "B", "C"],
    crashed: (id) => ({ id, ok: false }),
    junitCase: (o) => ({ name: `[${o.id}] <${o.id}>`, ...(o.ok ? {} : { failure: "no" }) }),
  }, (command) => {
    commands.push(command);
    return boots[commands.length - 1]!();
  });
  assert.deepEqual(r.outcomes.map((o) => o.id), ["A", "B", "C"]);
  assert.deepEqual(r.health.map((h) => h.id), ["B"]);
  assert.equal(r.died, false);
  assert.equal(commands.length, 2);
  assert.ok(commands[1]!.includes("--filter '/^\\[(C)\\]/'"), commands[1]);
  assert.deepEqual(countJunit(r.junit), { passed: 2, failed: 1, skipped: 0 });
  assert.match(r.junit, /name="\[A\] &lt;A&gt;"/);
  for (const d of bootDirs.splice(0)) await Deno.remove(d, { recursive: true });
});

Deno.test("runTestFileSuite(): with failFast, deno test stops at the first failure and no boot follows", async () => {
  const commands: string[] = [];
  const r = await runTestFileSuite<{ id: string; ok: boolean }>({
    suite: "t",
    event: "o",
    files: ["t.ts"],
    ids: ["A", "B", "C"],
    allIds: ["A", "B", "C"],
    failFast: true,
    crashed: (id) => ({ id, ok: false }),
    junitCase: (o) => ({ name: `[${o.id}] <${o.id}>`, ...(o.ok ? {} : { failure: "no" }) }),
  }, (command) => {
    commands.push(command);
    // A failed, so deno test ran nothing after it: without failFast, B and C would get a boot.
    return fakeBoot([{ event: "o", id: "A", ok: false }], ["A"], null, 1);
  });
  assert.equal(commands.length, 1);
  assert.match(commands[0]!, /^deno test -A --no-check --fail-fast /);
  assert.deepEqual(r.outcomes.map((o) => o.id), ["A"]);
  for (const d of bootDirs.splice(0)) await Deno.remove(d, { recursive: true });
});
