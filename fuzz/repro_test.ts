import assert from "node:assert/strict";
import {
  INCONCLUSIVE_EXIT,
  NOT_REPRODUCED_EXIT,
  readFinding,
  type ReplayRun,
  reproVerdict,
} from "./repro.ts";
import { KERNEL_DIED_EXIT } from "../harness/vm/runner.ts";

const CASES: { run: ReplayRun; status: string; exitCode: number }[] = [
  { run: { found: true, ranToEnd: true, vm: "exited" }, status: "reproduces", exitCode: 0 },
  // The finding is a panic: the VM dies with it, and that is the finding.
  { run: { found: true, ranToEnd: false, vm: "panic" }, status: "reproduces", exitCode: 0 },
  {
    run: { found: false, ranToEnd: true, vm: "exited" },
    status: "does not reproduce",
    exitCode: NOT_REPRODUCED_EXIT,
  },
  // Infrastructure failures are no verdict on the finding.
  ...(["lost", "timeout", "silent", "stopped", "interrupted"] as const).flatMap((vm) => [
    { run: { found: false, ranToEnd: false, vm }, status: "cannot tell", exitCode: 4 },
    { run: { found: false, ranToEnd: true, vm }, status: "cannot tell", exitCode: 4 },
  ]),
  // The guest never ran the replay (fuzz/guest.ts died, the rule did not run).
  {
    run: { found: false, ranToEnd: false, vm: "exited" },
    status: "cannot tell",
    exitCode: INCONCLUSIVE_EXIT,
  },
  {
    run: { found: false, ranToEnd: false, vm: "panic" },
    status: "kernel died",
    exitCode: KERNEL_DIED_EXIT,
  },
];

for (const c of CASES) {
  Deno.test(`reproVerdict() says ${c.status} for ${JSON.stringify(c.run)}`, () => {
    assert.deepEqual(reproVerdict(c.run), { status: c.status, exitCode: c.exitCode });
  });
}

Deno.test("reproVerdict() keeps 3 and 4 apart from 0, 2 and 255", () => {
  assert.equal(new Set([0, 2, NOT_REPRODUCED_EXIT, INCONCLUSIVE_EXIT, KERNEL_DIED_EXIT]).size, 5);
});

function folder(replay: unknown, title = "fuzz: x\n"): string {
  const dir = Deno.makeTempDirSync({ prefix: "udiag-repro-test-" });
  Deno.writeTextFileSync(`${dir}/title`, title);
  Deno.writeTextFileSync(`${dir}/replay.json`, JSON.stringify(replay));
  return dir;
}

const CONF = { kind: "conformance", suite: "conformance", abi: "udiag", target: "kmod" };

Deno.test("readFinding() reads a good conformance finding", async () => {
  const f = await readFinding(folder({ ...CONF, rule: "UD-DEL-002" }, "conformance x\n"));
  assert.equal(f.title, "conformance x");
  assert.equal(f.subject.abi.name, "udiag");
});

const BAD: { name: string; dir: () => string; error: RegExp }[] = [
  { name: "a missing folder", dir: () => "/nonexistent-finding", error: /no such folder/ },
  {
    name: "a folder without replay.json",
    dir: () => Deno.makeTempDirSync({ prefix: "udiag-repro-test-" }),
    error: /no title/,
  },
  {
    name: "an unknown rule",
    dir: () => folder({ ...CONF, rule: "UD-NOSUCH-001" }),
    error: /UD-NOSUCH-001/,
  },
  {
    name: "an unknown check",
    dir: () => folder({ ...CONF, suite: "security", kind: "security", check: "SEC-NO-001" }),
    error: /SEC-NO-001/,
  },
  {
    name: "an unknown profile",
    dir: () => folder({ ...CONF, rule: "UD-DEL-002", profile: "bogus" }),
    error: /profile "bogus"/,
  },
  {
    name: "a patch that is not there",
    dir: () => folder({ ...CONF, rule: "UD-DEL-002", target: "patch:/nonexistent.patch" }),
    error: /\/nonexistent\.patch/,
  },
  {
    name: "a local fuzz replay",
    dir: () =>
      folder({
        kind: "fuzz",
        suite: "race",
        abi: "udiag",
        target: "local",
        campaign: "race",
        seed: 1,
        workers: 2,
        ms: 10,
      }),
    error: /"local" replays conformance findings only/,
  },
];

for (const b of BAD) {
  Deno.test(`readFinding() refuses ${b.name} with a TypeError naming it`, async () => {
    await assert.rejects(() => readFinding(b.dir()), (e: Error) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.match(e.message, b.error);
      return true;
    });
  });
}
