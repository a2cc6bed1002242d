/**
 * A task stopped by SIGINT or SIGTERM: it exits 130 or 143 within seconds,
 * kills the commands it started (their whole process group), and removes
 * its temp paths. Each row runs a small task in its own process and signals it.
 */
import assert from "node:assert/strict";

const CLI = new URL("./cli.ts", import.meta.url).href;
const PROC = new URL("./proc.ts", import.meta.url).href;
const INTERRUPT = new URL("./interrupt.ts", import.meta.url).href;

/** A task that makes a temp dir, starts `sleep <marker>` twice in one group, and waits. */
function task(marker: number): string {
  return `
    import { runMain } from ${JSON.stringify(CLI)};
    import { runLogged } from ${JSON.stringify(PROC)};
    import { tempPath } from ${JSON.stringify(INTERRUPT)};
    runMain(async () => {
      const tmp = Deno.args[0] + "/work.tmp-" + Deno.pid;
      await Deno.mkdir(tmp);
      tempPath(tmp);
      console.log("ready");
      await runLogged("sh", ["-c", "sleep ${marker} & sleep ${marker}; wait"], { logFile: tmp + "/log" });
      return 0;
    });`;
}

function sleepers(marker: number): string[] {
  const out = new Deno.Command("pgrep", { args: ["-f", `^sleep ${marker}$`], stdout: "piped" })
    .outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`a task stopped by ${sig} exits ${code}, kills its commands, removes its temp paths`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "udiag-interrupt-" });
    const marker = 4000 + Math.floor(Math.random() * 5000);
    await Deno.writeTextFile(`${dir}/task.ts`, task(marker));
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${dir}/task.ts`, dir],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value ?? "", /ready/);
    // The sleepers start right after "ready".
    for (let i = 0; i < 50 && sleepers(marker).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(sleepers(marker).length, 2);
    const t0 = Date.now();
    child.kill(sig);
    const status = await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, code, stderr);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    assert.match(stderr, new RegExp(`${sig}: stopping`));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(sleepers(marker), []);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(".tmp-"));
    assert.deepEqual(left, []);
    await Deno.remove(dir, { recursive: true });
  });
}
