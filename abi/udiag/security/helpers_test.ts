import assert from "node:assert/strict";
import { capture } from "../../../harness/proc.ts";
import { readTrace } from "../../../harness/ctrace/trace.ts";
import { DONE_LINE, emitC, foundLines } from "../../../harness/ctrace/emit_c.ts";

const SOURCE = new URL("./helpers/fork_page.c", import.meta.url).pathname;
const STATIC = await Deno.stat("/usr/lib/x86_64-linux-gnu/libc.a").then(() => true, () => false);

/** Builds a C file with the flags the suites use (static where libc.a is). */
async function build(source: string, out: string): Promise<void> {
  await capture("gcc", [
    "-O2",
    "-Wall",
    "-Werror",
    ...(STATIC ? ["-static"] : []),
    "-o",
    out,
    source,
  ]);
}

// No /dev/udiag on the host: a 4096-byte file open O_RDWR maps the same way,
// and lets the child make the page writable, as SEC-PG-004 exposes.
Deno.test("fork_page records both processes, and repro-c writes them as a program that runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fork_page_test_" });
  try {
    const page = `${dir}/page`;
    await Deno.writeFile(page, new Uint8Array(4096));
    await Deno.mkdir(`${dir}/trace`);
    await build(SOURCE, `${dir}/fork_page`);
    const run = await new Deno.Command(`${dir}/fork_page`, {
      args: [page],
      env: { UDIAG_CTRACE: `${dir}/trace`, UDIAG_CTRACE_ROLE: "root" },
      stdout: "piped",
    }).output();
    const said = new TextDecoder().decode(run.stdout);
    assert(run.success, said);
    // The "key ret errno" protocol page_checks.ts parses.
    assert.match(said, /^child_mprotect_rw 0 0$/m);
    assert.match(said, /^parent_bytes_changed 1 0$/m);

    const trace = await readTrace(`${dir}/trace`);
    assert.equal(trace.length, 2);
    const [root, child] = trace;
    assert.equal(root!.proc.role, "root");
    assert.equal(root!.proc.parent, undefined);
    assert.equal(child!.proc.parent, root!.proc.pid);
    const fork = root!.events.find((e) => e.ev === "call" && e.name === "fork");
    assert.equal(fork?.ev === "call" && fork.ret, String(child!.proc.pid));
    const judged = trace.flatMap((p) => p.events.filter((e) => e.ev === "judge"));
    assert.deepEqual(judged.map((j) => j.ev === "judge" && j.finding), [
      "SEC-PG-004",
      "SEC-PG-004",
    ]);

    const out = emitC(trace, { title: "SEC-PG-004", kind: "security", command: "test" });
    if (!out.ok) throw new Error(`refused: ${out.reason}`);
    const wide = out.source.split("\n").filter((l) => l.replaceAll("\t", "        ").length > 100);
    assert.deepEqual(wide, [], "kernel style: 100 columns");
    await Deno.writeTextFile(`${dir}/repro.c`, out.source);
    await build(`${dir}/repro.c`, `${dir}/repro`);
    const stdout = await capture(`${dir}/repro`, []);
    assert.deepEqual(foundLines(stdout), ["SEC-PG-004", "SEC-PG-004"]);
    assert(stdout.endsWith(DONE_LINE), stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
