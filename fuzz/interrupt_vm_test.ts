/**
 * Ctrl-C in the middle of a campaign, as a user does it: `deno task fuzz`
 * in its own process, on a module with a known bug, gets SIGINT once its
 * first finding is on disk. It must exit 130 within seconds, keep the
 * finding (folder complete, replayable), write its summary saying it was
 * stopped, and leave no QEMU and no temp tree behind.
 */
import assert from "node:assert/strict";
import { ROOT } from "../harness/paths.ts";
import { cacheRoot } from "../harness/vm/kernel.ts";
import { listFindings } from "../harness/report/store.ts";

function pids(pattern: string): string[] {
  const out = new Deno.Command("pgrep", { args: ["-f", pattern], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

/** Paths under `dir` (recursively, not into big trees) whose name holds `.tmp-<pid>`. */
function tempsOf(dir: string, pid: number): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.includes(`.tmp-${pid}`)) found.push(`${d}/${e.name}`);
      else if (e.isDirectory && depth < 3) walk(`${d}/${e.name}`, depth + 1);
    }
  };
  walk(dir, 0);
  return found;
}

Deno.test("deno task fuzz: SIGINT mid-campaign keeps the findings, exits 130, leaves nothing behind", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const outDir = await Deno.makeTempDir({ prefix: "udiag-fuzz-out-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "fuzz/run.ts",
      "--broken",
      "SKIP_EBUSY",
      "--suites",
      "model",
      "--time",
      "900",
      "--seed",
      "1",
      "--reports",
      reportsDir,
      "--out",
      outDir,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const stdout = new Response(child.stdout).text();
  // The first finding on disk (a folder with meta.json is complete).
  const deadline = Date.now() + 600_000;
  while (!(await listFindings(reportsDir)).length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
  }
  const before = await listFindings(reportsDir);
  assert.ok(before.length > 0, "no finding within 10 minutes");
  const t0 = Date.now();
  child.kill("SIGINT");
  const status = await child.status;
  const err = await stderr;
  await stdout;
  assert.equal(status.code, 130, err.slice(-3000));
  assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms to stop`);
  const after = await listFindings(reportsDir);
  assert.ok(after.some((m) => m.title === "fuzz: delete returned ok 0, expected EBUSY"));
  for (const m of after) assert.ok(m.count >= 1);
  const summary = await Deno.readTextFile(`${outDir}/summary.md`);
  assert.match(summary, /stopped early by SIGINT/);
  assert.match(summary, /delete returned ok 0, expected EBUSY/);
  // No QEMU of the stopped process (its run directories carry its pid: other
  // runs may boot VMs meanwhile), no temp tree of it.
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(pids(`qemu-system-x86_64 .*/out/vm/[^ ]*-${child.pid}-`), []);
  for (const dir of [reportsDir, `${ROOT}/out`, `${cacheRoot()}/kernels`]) {
    assert.deepEqual(tempsOf(dir, child.pid), [], dir);
  }
  await Deno.remove(reportsDir, { recursive: true });
  await Deno.remove(outDir, { recursive: true });
});
