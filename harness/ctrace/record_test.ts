import assert from "node:assert/strict";
import { expectationOf } from "./record.ts";
import { readTrace } from "./trace.ts";

Deno.test("expectationOf() reads the oracles' printed expectations", () => {
  const table: [string | number | boolean, unknown][] = [
    ["EINVAL", { errno: "EINVAL" }],
    ["E#524", { errno: "E#524" }],
    ["ok 1", { value: 1 }],
    ["0", { value: 0 }],
    [7, { value: 7 }],
    ["mapped", { ok: true }],
    ["ok", { ok: true }],
    ["refused", { fails: true }],
    ["all zero", { zero: true }],
    ["field data; type", null],
    [1.5, null],
    [true, null],
  ];
  for (const [want, e] of table) assert.deepEqual(expectationOf(want), e, String(want));
});

// The recorder runs in a child: it reads $UDIAG_CTRACE once per process.
const CHILD = `
import { sysClose, sysIoctl, sysMmap, sysOpen, sysWrite, peek, poke } from "${
  new URL("../syscall.ts", import.meta.url).href
}";
import { recordJudge, unrecorded } from "${new URL("./record.ts", import.meta.url).href}";
const fd = sysOpen("/dev/null", 2);
if (!fd.ok) throw new Error(fd.errno);
sysWrite(fd.value, new TextEncoder().encode("hi"));
// A struct with a pointer field: /dev/null refuses the ioctl, the recorder keeps both.
sysIoctl(fd.value, 0x5401, new Uint8Array(16), [{ offset: 8, target: new Uint8Array([7]) }]);
const m = sysMmap(4096, 3, 0x22, -1);
if (!m.ok) throw new Error(m.errno);
poke(m.value.address + 8n, new Uint8Array([0x41]));
peek(m.value.address + 8n, 1);
recordJudge("R-1", "byte 8", 0);
unrecorded(() => sysClose(-2));
sysClose(-1);
`;

/** Runs CHILD in `dir` with `opts`' environment; fails the test if it fails. */
async function runChild(dir: string, opts: Deno.CommandOptions): Promise<void> {
  await Deno.writeTextFile(`${dir}/child.ts`, CHILD);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}/child.ts`],
    ...opts,
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test("the recorder writes every call, memory access and verdict of a process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runChild(dir, { env: { UDIAG_CTRACE: `${dir}/trace` } });
    const [p, ...more] = await readTrace(`${dir}/trace`);
    assert.equal(more.length, 0);
    assert.equal(p!.proc.role, "root");
    assert.equal(p!.proc.uid, Deno.uid());
    const evs = p!.events;
    assert.deepEqual(evs.map((e) => e.ev === "call" ? e.name : e.ev), [
      "open",
      "write",
      "ioctl",
      "mmap",
      "poke",
      "peek",
      "judge",
      "close",
    ]);
    const [open, write, ioctl, mmap, poke, peek, judge, close] = evs;
    assert.ok(open?.ev === "call" && "buf" in open.args[0]!);
    assert.equal(open.args[0].buf, "2f6465762f6e756c6c00"); // "/dev/null\0"
    assert.ok(write?.ev === "call" && write.ret === "2");
    assert.deepEqual(write.args[0], { i: open.ret });
    assert.ok(ioctl?.ev === "call" && ioctl.ret === "-25"); // ENOTTY
    const struct = ioctl.args[2]!;
    assert.ok("ptrs" in struct && struct.buf === "00".repeat(16));
    assert.equal(struct.ptrs?.[0]?.off, 8);
    assert.equal((struct.ptrs?.[0]?.arg as { buf: string }).buf, "07");
    assert.ok(mmap?.ev === "call" && BigInt(mmap.ret) > 0n);
    assert.ok(poke?.ev === "poke" && poke.bytes === "41");
    assert.equal(BigInt(poke.addr), BigInt(mmap.ret) + 8n);
    assert.ok(peek?.ev === "peek" && peek.bytes === "41");
    assert.deepEqual(judge, { ...judge, finding: "R-1", expect: { value: 0 } });
    // close(-2) ran unrecorded: the last call is close(-1).
    assert.ok(close?.ev === "call" && close.ret === "-9"); // EBADF
    assert.deepEqual(close.args, [{ i: "-1" }]);
    const times = evs.map((e) => BigInt(e.t));
    assert.deepEqual(times, [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without $UDIAG_CTRACE nothing is recorded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runChild(dir, { clearEnv: true, env: { HOME: dir, PATH: Deno.env.get("PATH") ?? "" } });
    // Deno's own cache goes to $HOME/.cache; no trace folder appears.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== ".cache");
    assert.deepEqual(names, ["child.ts"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The oracles pin their verdicts: a rule's failing expect and a fuzz mismatch.
const ORACLES = `
import { sysClose } from "${new URL("../syscall.ts", import.meta.url).href}";
import { RuleContext } from "${new URL("../../conformance/rule_context.ts", import.meta.url).href}";
import { Mismatch } from "${new URL("../../fuzz/campaign.ts", import.meta.url).href}";
const t = new RuleContext("UD-X-001");
try {
  t.expect("close(-1)", sysClose(-1), { ok: true, value: 0 });
} catch { /* the rule fails, as it must */ }
sysClose(-1);
new Mismatch("close(-1)", "EBADF", "ok 0", { title: "fuzz: close returned EBADF", breaks: "" });
`;

Deno.test("a failing rule and a fuzz mismatch pin their verdict to the call just made", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/oracles.ts`, ORACLES);
    const out = await new Deno.Command(Deno.execPath(), {
      // The project's config: fuzz/campaign.ts imports fast-check by name.
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        `${dir}/oracles.ts`,
      ],
      env: { UDIAG_CTRACE: `${dir}/trace` },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const [p] = await readTrace(`${dir}/trace`);
    const evs = p!.events.map((e) => e.ev === "judge" ? [e.finding, e.expect] : e.ev);
    assert.deepEqual(evs, [
      "call",
      ["UD-X-001", { value: 0 }],
      "call",
      ["fuzz: close returned EBADF", { value: 0 }],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
