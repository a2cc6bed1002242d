/** Security: can an admitted user write the shared page, or read more than flags from it? */
import { check, deviceMode } from "./fixture.ts";
import { Actor, ALICE } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../../harness/libc.ts";
import { pageSize } from "../../../harness/syscall.ts";
import { DEVICE_PATH } from "../abi.ts";
import { FORK_HELPER } from "./helpers.ts";
import { ctraceEnv } from "../../../harness/ctrace/record.ts";
import type { SysResult } from "../../../harness/errno.ts";
import { errnoName } from "../../../harness/errno.ts";
import { setUp } from "./setup.ts";

const RW = PROT_READ | PROT_WRITE;

/** Alice, with an open file of the device (mode 0666). */
async function aliceWithFile(): Promise<{ alice: Actor; h: number }> {
  const alice = await Actor.start(ALICE);
  const h = await alice.open();
  if (!h.ok) throw new Error(`alice cannot open: ${h.errno}`);
  return { alice, h: h.value };
}

async function peek(a: Actor, m: number): Promise<number[]> {
  return ((await a.call({ op: "peek", m })) as { value: number[] }).value;
}

/** Whether root's own read-only view of the page shows `value` at index 0 (reserved). */
function rootSeesIndex0(fx: Fixture, value: number): boolean {
  const f = fx.open();
  const p = f.mapPage();
  if (!p.ok) throw new Error(`root cannot map the page: ${p.errno}`);
  using page = p.value;
  return page.byte(0) === value;
}

/** Writes 0x5a at reserved index 0 through alice's mapping; root checks, then it is put back. */
async function tryWrite(
  t: { saw(w: string, a: unknown): void; exposed(h: string): void },
  fx: Fixture,
  alice: Actor,
  m: number,
  how: string,
  shared: boolean,
): Promise<void> {
  await alice.call({ op: "poke", m, index: 0, value: 0x5a });
  const reached = rootSeesIndex0(fx, 0x5a);
  t.saw(`${how}: alice's write reaches the shared page`, reached);
  if (reached) {
    t.exposed(`${how}: alice changed the page every process reads`);
    await alice.call({ op: "poke", m, index: 0, value: 0 });
  } else if (shared) {
    t.exposed(`${how}: alice holds a writable shared mapping of the page`);
  }
}

check("SEC-PG-001", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const { alice, h } = await aliceWithFile();
  await using _a = alice;
  for (
    const [flags, label] of [[MAP_SHARED, "MAP_SHARED"], [MAP_PRIVATE, "MAP_PRIVATE"]] as const
  ) {
    const m = await alice.sys({ op: "map", h, prot: RW, flags });
    t.saw(`alice: mmap PROT_READ|PROT_WRITE ${label}`, m);
    // A writable shared mapping is the exposure whatever alice then writes.
    if (m.ok && flags === MAP_SHARED) {
      t.judge("alice: mmap PROT_READ|PROT_WRITE MAP_SHARED", "refused");
    }
    if (m.ok) await tryWrite(t, fx, alice, m.value, label, flags === MAP_SHARED);
  }
});

check("SEC-PG-002", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const { alice, h } = await aliceWithFile();
  await using _a = alice;
  const m = await alice.sys({ op: "map", h });
  t.saw("alice: mmap PROT_READ MAP_SHARED", m);
  if (!m.ok) throw new Error(`alice cannot map the page: ${m.errno}`);
  const p = await alice.sys({ op: "mprotect", m: m.value, prot: RW });
  t.saw("alice: mprotect(PROT_READ|PROT_WRITE)", p);
  if (p.ok) t.judge("alice: mprotect(PROT_READ|PROT_WRITE) of the shared page", "refused");
  if (p.ok) await tryWrite(t, fx, alice, m.value, "mprotect", true);
});

check("SEC-PG-003", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const { alice, h } = await aliceWithFile();
  await using _a = alice;
  const m = await alice.sys({ op: "map", h, flags: MAP_PRIVATE });
  t.saw("alice: mmap PROT_READ MAP_PRIVATE", m);
  // Set-up, not the attack: without a private mapping nothing was tried.
  const map = setUp("alice: mmap PROT_READ MAP_PRIVATE", m);
  const p = await alice.sys({ op: "mprotect", m: map, prot: RW });
  t.saw("alice: mprotect(PROT_READ|PROT_WRITE) of the private mapping", p);
  if (p.ok) await tryWrite(t, fx, alice, map, "private mapping", false);
});

check("SEC-PG-004", async (t) => {
  using _mode = deviceMode(0o666);
  const helper = FORK_HELPER;
  try {
    Deno.statSync(helper);
  } catch {
    throw new Error(`${helper} is missing: deno task security builds it before the VM starts`);
  }
  const out = await new Deno.Command(helper, {
    args: [DEVICE_PATH],
    uid: ALICE.uid,
    gid: ALICE.gid,
    // Its role made explicit, and the folder made (mode 0777) before alice writes to it.
    env: ctraceEnv("actor"),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const said = new Map(lines.map((l) => {
    const [k, ret, err] = l.split(" ");
    return [k!, { ret: Number(ret), errno: Number(err) }];
  }));
  const show = (k: string): SysResult<number> | string => {
    const v = said.get(k);
    if (!v) return "(not reached)";
    return v.ret < 0 ? { ok: false, errno: errnoName(v.errno) } : { ok: true, value: v.ret };
  };
  for (const k of ["open", "mmap_ro", "child_mprotect_rw", "child_wrote", "child_signal"]) {
    t.saw(`alice's fork_page: ${k}`, show(k));
  }
  const changed = said.get("parent_bytes_changed")?.ret;
  t.saw("bytes of the page that changed for the parent", changed ?? "(not reached)");
  if (said.get("mmap_ro")?.ret !== 0) {
    throw new Error(`fork_page could not map: ${lines.join("; ")}`);
  }
  if (said.get("child_mprotect_rw")?.ret === 0) {
    t.exposed("the forked child made its inherited mapping writable");
  }
  if (changed) t.exposed(`the child's write changed ${changed} byte(s) of the shared page`);
});

check("SEC-PG-005", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  // Known state: three events, one traced.
  const names = [fx.name("sec"), fx.name("sec"), fx.name("sec")];
  const idx = names.map((n) => {
    const f = fx.open();
    const r = f.register(n);
    if (!r.ok) throw new Error(`root cannot register ${n}: ${r.errno}`);
    return r.value;
  });
  t.saw("root registers three events; indexes", idx);
  t.saw(`root enables ${names[1]}`, fx.trace(names[1]!));
  const { alice, h } = await aliceWithFile();
  await using _a = alice;
  const m = await alice.sys({ op: "map", h });
  if (!m.ok) throw new Error(`alice cannot map the page: ${m.errno}`);
  const page = await peek(alice, m.value);
  const flags = new Uint8Array(page.length);
  flags[idx[1]!] = 1;
  if (page.some((b, i) => b !== flags[i])) t.judge("the bytes alice reads", flags);
  t.saw("page size", page.length === pageSize() ? page.length : `${page.length} (not a page)`);
  const odd = page.flatMap((b, i) => {
    const want = i === idx[1] ? 1 : 0;
    return b === want ? [] : [`${i}=${b}`];
  });
  t.saw("bytes alice reads that are not the enable flags (index=value)", odd.slice(0, 16));
  t.measure("unexpected bytes", odd.length);
  if (odd.length) {
    t.exposed(
      `${odd.length} byte(s) of the page are not enable flags: ${odd.slice(0, 8).join(", ")}`,
    );
  }
});

check("SEC-PG-006", async (t) => {
  using _mode = deviceMode(0o666);
  const { alice, h } = await aliceWithFile();
  await using _a = alice;
  const pg = pageSize();
  for (
    const [how, req] of [
      ["two pages", { length: 2 * pg }],
      ["sixteen pages", { length: 16 * pg }],
      ["offset one page", { offset: pg }],
      ["offset 4 GiB", { offset: 2 ** 32 }],
    ] as const
  ) {
    const m = await alice.sys({ op: "map", h, ...req });
    t.saw(`alice: mmap ${how}`, m);
    if (!m.ok) continue;
    t.judge(`alice: mmap ${how}`, "refused");
    // At an offset, the whole mapping is memory other than the enable page.
    const bytes = await peek(alice, m.value);
    const beyond = bytes.slice(how.startsWith("offset") ? 0 : pg);
    const nonZero = beyond.filter((b) => b !== 0).length;
    t.saw(`${how}: non-zero bytes alice reads where only the page may be`, nonZero);
    t.exposed(`alice mapped ${how} (${nonZero} non-zero byte(s) in it)`);
  }
});
