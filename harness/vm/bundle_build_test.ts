import assert from "node:assert/strict";
import { buildGuestBundles } from "./bundle_build.ts";
import { BUNDLED_ENTRIES, bundlePath } from "./guest_bundle.ts";
import { ROOT } from "../paths.ts";

const fuzzBundle = `${ROOT}/${bundlePath("fuzz/guest.ts")}`;

async function deno(args: string[]): Promise<{ code: number; stderr: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: r.code, stderr: new TextDecoder().decode(r.stderr) };
}

Deno.test("the fuzz guest's bundle loads both ABIs from itself and maps errors to the sources", async () => {
  await buildGuestBundles();
  for (const abi of ["udiag", "user_events"]) {
    const r = await deno(["run", "-A", fuzzBundle, "--abi", abi, "--load-only"]);
    assert.equal(r.code, 0, r.stderr);
  }
  const bad = await deno(["run", "-A", fuzzBundle, "--abi", "nope"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Unknown --abi "nope": expected one of udiag, user_events/);
  // The inline source map: the frame names abi/mod.ts, not the bundle.
  assert.match(bad.stderr, new RegExp(`at loadAbi \\(file://${ROOT}/abi/mod\\.ts:\\d+:\\d+\\)`));
});

Deno.test("a bundle pins each module's import.meta.url to its source and runs only the entry's main", async () => {
  await buildGuestBundles();
  const text = await Deno.readTextFile(fuzzBundle);
  const code = text.slice(0, text.lastIndexOf("//# sourceMappingURL="));
  assert.ok(code.includes(`"file://${ROOT}/harness/paths.ts"`));
  assert.ok(!code.includes("import.meta.url"));
  // fuzz/guest.ts's own `if (import.meta.main)`, and no other module's.
  assert.equal(code.split("import.meta.main").length - 1, 1);
  // bench/guest.ts's bundle imported, not run: its main would boot a benchmark.
  const r = await deno(["eval", `await import("file://${ROOT}/${bundlePath("bench/guest.ts")}")`]);
  assert.equal(r.code, 0, r.stderr);
});

Deno.test("buildGuestBundles() keeps a bundle whose inputs are unchanged and redoes a stale one", async () => {
  await buildGuestBundles();
  const mtime = () => Deno.statSync(fuzzBundle).mtime?.getTime();
  const before = mtime();
  await buildGuestBundles();
  assert.equal(mtime(), before);
  // An input whose size or mtime differs from the recorded one makes it stale.
  const stampFile = `${fuzzBundle}.inputs.json`;
  const stamp = JSON.parse(await Deno.readTextFile(stampFile));
  const input = `${ROOT}/harness/rawsys.ts`;
  assert.ok(stamp.inputs[input], Object.keys(stamp.inputs).slice(0, 5).join());
  // The bundler's own code is an input too: a change to how bundles are made redoes them.
  assert.ok(stamp.inputs[`${ROOT}/harness/vm/bundle_build.ts`]);
  stamp.inputs[input] = [0, 0];
  await Deno.writeTextFile(stampFile, JSON.stringify(stamp));
  await new Promise((r) => setTimeout(r, 20));
  await buildGuestBundles();
  assert.notEqual(mtime(), before);
});

Deno.test("buildGuestBundles() names the entry and the line a module does not parse at", async () => {
  const root = await Deno.makeTempDir({ prefix: "udiag-bundle-" });
  try {
    await Deno.mkdir(`${root}/abi`);
    for (const e of BUNDLED_ENTRIES) {
      await Deno.mkdir(`${root}/${e.replace(/\/[^/]+$/, "")}`, { recursive: true });
      await Deno.writeTextFile(`${root}/${e}`, "export const ok = 1;\n");
    }
    await Deno.writeTextFile(`${root}/fuzz/guest.ts`, "export const a = 1;\nconst = ;\n");
    await assert.rejects(
      buildGuestBundles(root),
      /cannot bundle fuzz\/guest\.ts for the guest: .*fuzz\/guest\.ts:2: /,
    );
    // Nothing half-written is left where the guest would look.
    assert.throws(() => Deno.statSync(`${root}/${bundlePath("fuzz/guest.ts")}`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
