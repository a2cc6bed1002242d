/**
 * The fuzz campaign against the kernel: a short fixed-seed campaign on our
 * module finds nothing and says what it covered; on a module built with a
 * known bug (DIAG_IOCSDEL ignores open files) it finds the bug within its
 * budget, shrinks it, files it, the finding replays, and its C reproducer is
 * verified on that module and stays silent on ours.
 */
import assert from "node:assert/strict";
import { fuzz } from "./run.ts";
import { repro } from "./repro.ts";
import { buildReproC, EXIT, reproC, runReproC, wanted } from "./repro_c.ts";
import { COMMAND_NAMES } from "../abi/udiag/fuzz/titles.ts";
import { resolveSubject } from "../abi/mod.ts";

const base = {
  runs: 0,
  jobs: 1,
  shard: { index: 1, count: 1 },
  maxCommands: 30,
  suites: ["model", "raw", "race"],
};
const udiag = (broken?: string) =>
  resolveSubject({ abi: "udiag", target: "kmod", profile: "base", ...(broken ? { broken } : {}) });

Deno.test("deno task fuzz: a fixed-seed campaign on kmod finds nothing and covers every command", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  // 90 s: with the health probe after every case, 60 s ran too few cases for
  // perf_close (it needs an open perf event in the same case) to come up.
  const s = await fuzz({ ...base, subject: await udiag(), timeSeconds: 90, seed: 42, reportsDir });
  assert.deepEqual(s.findings.map((f) => f.title), []);
  assert.equal(s.kernelDied, false);
  assert.ok(s.cases >= 100, `only ${s.cases} cases`);
  for (const c of COMMAND_NAMES) assert.ok((s.byCommand[c] ?? 0) > 0, `command ${c} never ran`);
});

Deno.test("deno task fuzz: catches, shrinks, files and replays a module that skips the EBUSY check", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const s = await fuzz({
    ...base,
    subject: await udiag("SKIP_EBUSY"),
    timeSeconds: 60,
    seed: 1,
    reportsDir,
  });
  const f = s.findings.find((x) => x.title === "fuzz: delete returned ok 0, expected EBUSY");
  assert.ok(f, `not caught; findings: ${s.findings.map((x) => x.title).join("; ")}`);
  const ops = (await Deno.readTextFile(`${f.dir}/repro.txt`)).trim().split("\n");
  // Shrunk to the essence: open, register, delete.
  assert.ok(ops.length <= 4, `not shrunk:\n${ops.join("\n")}`);
  assert.match(ops.at(-1)!, /^delete\("f\d"\) {2}# ok 0, expected EBUSY$/);
  const replay = JSON.parse(await Deno.readTextFile(`${f.dir}/replay.json`));
  assert.equal(replay.fastCheck, "4.10.2");
  assert.equal(replay.broken, "SKIP_EBUSY");
  assert.equal(replay.suite, "fuzz");
  assert.equal(replay.campaign, "model");
  assert.equal(replay.abi, "udiag");
  const r = await repro(f.dir);
  assert.equal(r.reproduced, true, r.detail);

  // Its C reproducer: written from the recorded replay and proven on the same module…
  const c = await reproC(f.dir);
  assert.equal(c.status, EXIT.verified, c.summary);
  const source = await Deno.readTextFile(`${f.dir}/repro.c`);
  assert.match(source, /^#include <sys\/syscall.h>$/m);
  assert.match(await Deno.readTextFile(`${f.dir}/repro.c.verified`), /evidence: program printed/);
  // …and silent on the module without the bug: its check can fail.
  const fixed = await runReproC(
    await udiag(),
    await buildReproC(source),
    wanted(f.title, replay),
  );
  assert.equal(fixed.verified, false, fixed.evidence);
  assert.match(fixed.evidence, /ran to its end; printed no finding/);
});
