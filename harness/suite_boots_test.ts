import assert from "node:assert/strict";
import { testCommand } from "./suite_boots.ts";

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
