/**
 * withLock() as the kernel cache uses it: two processes want one entry; the
 * first builds it, the second waits and then finds it built (it must not
 * build it again, nor remove what the first made).
 */
import assert from "node:assert/strict";

const LOCK = new URL("./lock.ts", import.meta.url).href;

const builder = `
  import { withLock } from ${JSON.stringify(LOCK)};
  const [entry, who] = Deno.args;
  const exists = (p) => { try { Deno.statSync(p); return true; } catch { return false; } };
  await withLock(entry, async () => {
    if (exists(entry + "/done")) return;
    await Deno.mkdir(entry, { recursive: true });
    await new Promise((r) => setTimeout(r, 400)); // the build
    await Deno.writeTextFile(entry + "/done", who);
    await Deno.writeTextFile(entry + ".builds", who + "\\n", { append: true });
  }, () => console.log("waited"));
`;

Deno.test("withLock() makes a second process wait for the first's build, then reuse it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-lock-" });
  await Deno.writeTextFile(`${dir}/builder.js`, builder);
  const run = (who: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${dir}/builder.js`, `${dir}/entry`, who],
      stdout: "piped",
    }).output();
  const outs = await Promise.all([run("a"), run("b")]);
  assert.ok(outs.every((o) => o.success));
  const builds = (await Deno.readTextFile(`${dir}/entry.builds`)).trim().split("\n");
  assert.equal(builds.length, 1);
  const waited = outs.map((o) => new TextDecoder().decode(o.stdout).includes("waited"));
  assert.equal(waited.filter(Boolean).length, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("withLock() is released when its holder dies, and when fn throws", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-lock-" });
  const { withLock } = await import(LOCK);
  await assert.rejects(withLock(`${dir}/x`, () => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await withLock(`${dir}/x`, () => Promise.resolve(7)), 7);
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { withLock } from ${JSON.stringify(LOCK)};
       await withLock(${
        JSON.stringify(`${dir}/y`)
      }, () => new Promise(() => console.log("held")));`,
    ],
    stdout: "piped",
  }).spawn();
  const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  // Output may come in pieces on a loaded machine: read until the line is whole.
  let said = "";
  while (!said.includes("held")) {
    const r = await reader.read();
    if (r.done) break;
    said += r.value;
  }
  assert.match(said, /held/);
  holder.kill("SIGKILL");
  await holder.status;
  reader.releaseLock();
  await holder.stdout.cancel().catch(() => {});
  assert.equal(await withLock(`${dir}/y`, () => Promise.resolve("free")), "free");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("withLock() creates the folder its lock lives in (a fresh machine has no cache root)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-lock-" });
  const { withLock } = await import(LOCK);
  const entry = `${dir}/cache/kernels/base-0`;
  assert.equal(await withLock(entry, () => Promise.resolve("built")), "built");
  assert.ok((await Deno.stat(`${entry}.lock`)).isFile);
  await Deno.remove(dir, { recursive: true });
});
