import assert from "node:assert/strict";
import { buildUeProc, buildUeRace } from "./build.ts";
import { UeProc, words } from "../conformance/ue_proc.ts";

// The kernel side needs the VM; UE_PROC_DRY=1 skips every user_events call,
// so these check the build, the processes and the pipe protocol on the host.
const dir = await Deno.makeTempDir({ prefix: "ue-proc-" });
const path = await buildUeProc(`${dir}/ue_proc`);
const dry = { path, env: { UE_PROC_DRY: "1" } };

Deno.test("buildUeProc() builds a static binary once and reuses it while the source is unchanged", async () => {
  const before = (await Deno.stat(path)).mtime?.getTime();
  assert.equal(await buildUeProc(path), path);
  assert.equal((await Deno.stat(path)).mtime?.getTime(), before);
  const head = (await Deno.readFile(path)).subarray(0, 4);
  assert.deepEqual([...head], [0x7f, 0x45, 0x4c, 0x46]);
});

Deno.test("UeProc fork: the child reads its own copy of the word", async () => {
  await using p = await UeProc.start("fork", "ev u32 a", dry);
  assert.equal(p.registered.ret, 0);
  assert.equal(words(await p.send("read")), "parent 0, child 0");
  assert.equal((await p.send("set 5")).parent, 5);
  assert.equal(words(await p.send("read")), "parent 5, child 0");
  assert.equal((await p.send("unreg-child")).ret, 0);
  assert.equal((await p.send("exit-child")).status, 0);
  assert.equal((await p.until("parent 5", 500)).got, "parent 5");
  assert.equal(await p.exit(), 0);
});

for (const mode of ["fork", "clone"] as const) {
  Deno.test(`UeProc ${mode}: disposal without exit-child leaves no process behind`, async () => {
    let pids: number[];
    {
      await using p = await UeProc.start(mode, "ev u32 a", dry);
      pids = [p.ready.child_pid ?? -1];
      assert.ok(pids[0]! > 0);
      assert.equal((await p.send("read")).obs, "read");
    }
    // The helper reaps its child before it exits, so the child is gone, not a zombie.
    for (const pid of pids) {
      assert.throws(() => Deno.statSync(`/proc/${pid}`), Deno.errors.NotFound);
    }
  });
}

Deno.test("UeProc clone: parent and CLONE_VM child read the same word", async () => {
  await using p = await UeProc.start("clone", "ev", dry);
  assert.equal(words(await p.send("set 3")), "parent 3");
  assert.equal(words(await p.send("read")), "parent 3, child 3");
  assert.equal((await p.send("exit-child")).status, 0);
  assert.equal(await p.settle(10), "parent 3");
});

Deno.test("UeProc exec: the new image has its own word at the same address", async () => {
  await using p = await UeProc.start("exec", "ev", dry);
  assert.equal(words(await p.send("read")), "parent 0");
  const o = await p.send("exec");
  assert.equal(o.obs, "exec-ready");
  assert.equal(words(o), "parent 5a5a5a5a");
  assert.equal((await p.send("reg")).ret, 0);
  assert.equal(await p.exit(), 0);
});

Deno.test("UeProc kills a helper that does not answer in time", async () => {
  await using p = await UeProc.start("exit", "ev", dry);
  await assert.rejects(() => p.next(100, "a line nobody sends"), /within 100 ms: killed/);
});

Deno.test("UeProc.start() names the prepare step when the binary is missing", async () => {
  await assert.rejects(
    () => UeProc.start("exit", "ev", { path: `${dir}/missing` }),
    /build it on the host first/,
  );
});

Deno.test("ue_race (dry): its threads run for the time asked and print one JSON result", async () => {
  const race = await buildUeRace(`${dir}/ue_race`);
  const t0 = Date.now();
  const o = await new Deno.Command(race, {
    args: ["7", "300", "3"],
    env: { UE_RACE_DRY: "1" },
    stdout: "piped",
  }).output();
  const took = Date.now() - t0;
  assert.equal(o.code, 0);
  assert.ok(took >= 300 && took < 5000, `took ${took} ms`);
  const r = JSON.parse(new TextDecoder().decode(o.stdout));
  assert.ok(r.ops > 100, `ops ${r.ops}`);
  assert.deepEqual(r.violations, []);
  const bad = await new Deno.Command(race, { args: ["7", "300", "9"], stderr: "piped" }).output();
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /usage: ue_race SEED MS THREADS/);
});

Deno.test("a helper is rebuilt when the header it includes changes", async () => {
  const { buildCached } = await import("../../../harness/cc.ts");
  const d = await Deno.makeTempDir({ prefix: "ue-hdr-" });
  await Deno.writeTextFile(`${d}/h.h`, "#define N 1\n");
  await Deno.writeTextFile(`${d}/p.c`, '#include "h.h"\nint main(void) { return N; }\n');
  const run = async () => (await new Deno.Command(`${d}/p`).output()).code;
  await buildCached(`${d}/p.c`, `${d}/p`, ["-O2"], [`${d}/h.h`]);
  assert.equal(await run(), 1);
  await Deno.writeTextFile(`${d}/h.h`, "#define N 2\n");
  await buildCached(`${d}/p.c`, `${d}/p`, ["-O2"], [`${d}/h.h`]);
  assert.equal(await run(), 2);
});
