import assert from "node:assert/strict";
import { countCompiled, progressLine, watchBuild } from "./build_progress.ts";

// Lines as Kbuild of 6.12.117 printed them in a cold build's log.
const LOG = [
  "$ make -j2 bzImage modules",
  "  HOSTCC  scripts/basic/fixdep",
  "  CC      scripts/mod/empty.o",
  "  CC      lib/kobject_uevent.o",
  "  AR      lib/built-in.a",
  "  CC      fs/9p/vfs_addr.o",
  "cc1: note: CC      this line is not a compile",
].join("\n");

Deno.test("countCompiled() counts Kbuild's CC lines only", () => {
  assert.equal(countCompiled(LOG), 3);
  assert.equal(countCompiled(""), 0);
});

Deno.test("progressLine() says how far, and how long is left once it can tell", () => {
  assert.equal(
    progressLine(10, 1407, 30),
    "udiag-fuzz: kernel build: 10/1407 objects (0 %), 0 min 30 s",
  );
  assert.equal(
    progressLine(700, 1400, 300),
    "udiag-fuzz: kernel build: 700/1400 objects (50 %), 5 min 0 s, about 5 min left",
  );
  assert.match(progressLine(1500, 1400, 600), /\(99 %\)/);
  assert.equal(
    progressLine(5, null, 61),
    "udiag-fuzz: kernel build: 5 objects compiled, 1 min 1 s",
  );
});

Deno.test("watchBuild() reads only what the log gained and reports it", async () => {
  const file = await Deno.makeTempFile();
  const lines: string[] = [];
  const stop = watchBuild(file, 1407, (l) => lines.push(l), 20);
  await Deno.writeTextFile(file, LOG + "\n");
  await new Promise((r) => setTimeout(r, 60));
  await Deno.writeTextFile(file, "  CC      kernel/fork.o\n", { append: true });
  await new Promise((r) => setTimeout(r, 60));
  stop();
  assert.match(lines.at(-1)!, /: 4\/1407 objects/);
  await Deno.remove(file);
});
