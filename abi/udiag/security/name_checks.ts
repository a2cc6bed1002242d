/** Security: event names hostile to tracefs and to the consumers of trace output. */
import { check, deviceMode, type SecurityContext } from "./fixture.ts";
import { Actor, ALICE } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { TRACEFS } from "../../../harness/tracefs.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** How a name shows in evidence: JSON, with bytes that are not UTF-8 as \xNN. */
function showName(b: Uint8Array): string {
  const s = new TextDecoder("utf-8", { fatal: false }).decode(b);
  const clean = s.includes("\uFFFD")
    ? [...b].map((x) => x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `\\x${x.toString(16)}`)
      .join("")
    : s;
  return JSON.stringify(clean).slice(0, 60) + (b.length > 50 ? `… (${b.length} bytes)` : "");
}

/** Every entry under events/, as "system/event". */
function eventTree(): Set<string> {
  const out = new Set<string>();
  for (const sys of Deno.readDirSync(`${TRACEFS}/events`)) {
    if (!sys.isDirectory) continue;
    try {
      for (const e of Deno.readDirSync(`${TRACEFS}/events/${sys.name}`)) {
        if (e.isDirectory) out.add(`${sys.name}/${e.name}`);
      }
    } catch {
      out.add(`${sys.name}/(unreadable)`);
    }
  }
  return out;
}

/**
 * Alice registers each name from a new file; an accepted one is recorded with
 * what appeared in tracefs, then deleted. Returns the accepted names.
 * `mustRefuse`: the names whose acceptance exposes the check.
 */
async function tryNames(
  t: SecurityContext,
  names: readonly Uint8Array[],
  mustRefuse: (name: Uint8Array) => boolean = () => true,
): Promise<Uint8Array[]> {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  await using alice = await Actor.start(ALICE);
  const accepted: Uint8Array[] = [];
  for (const name of names) {
    const before = eventTree();
    const h = await alice.open();
    if (!h.ok) throw new Error(`alice cannot open: ${h.errno}`);
    const r = await alice.register(h.value, name);
    if (r.ok && mustRefuse(name)) t.judge(`alice registers ${showName(name)}`, "refused");
    await alice.close(h.value);
    const appeared = [...eventTree()].filter((e) => !before.has(e));
    t.saw(
      `alice registers ${showName(name)}`,
      r.ok ? `ok ${r.value}; tracefs gained ${JSON.stringify(appeared)}` : r,
    );
    if (!r.ok) continue;
    accepted.push(name);
    const del = fx.open().delete(new Uint8Array([...name, 0]));
    t.saw(`root deletes ${showName(name)}`, del);
  }
  return accepted;
}

function exposeAccepted(t: SecurityContext, accepted: readonly Uint8Array[], what: string): void {
  if (accepted.length) {
    t.exposed(`${what} accepted: ${accepted.map(showName).join(", ")}`);
  }
}

check("SEC-NM-001", async (t) => {
  const acc = await tryNames(t, ["a/b", "/", "sec/../../x", "../sec_up"].map(enc));
  exposeAccepted(t, acc, "names with /");
});

check("SEC-NM-002", async (t) => {
  exposeAccepted(t, await tryNames(t, [".", ".."].map(enc)), "dot names");
});

check("SEC-NM-003", async (t) => {
  const acc = await tryNames(
    t,
    ["a b", " ", "sec\nudiag_forged: x", "\t", "\x1b[2J", "sec\r", "\x7f"].map(enc),
  );
  exposeAccepted(t, acc, "names with spaces or control bytes");
});

check("SEC-NM-004", async (t) => {
  exposeAccepted(t, await tryNames(t, ["%s%s%s%n", "%p%p", "sec_%d"].map(enc)), "format strings");
});

check("SEC-NM-005", async (t) => {
  const base = `sec_${Deno.pid}_`;
  const of = (n: number) => enc(base + "L".repeat(n - base.length));
  const acc = await tryNames(t, [of(95), of(96), of(97), of(200)], (b) => b.length > 95);
  const long = acc.filter((b) => b.length > 95);
  exposeAccepted(t, long, "names longer than 95 bytes");
  if (!acc.some((b) => b.length === 95)) t.saw("note", "the 95-byte name was refused");
});

check("SEC-NM-006", async (t) => {
  const acc = await tryNames(t, [
    new Uint8Array([0x73, 0x65, 0x63, 0xff]),
    new Uint8Array([0xc3, 0x28]),
    new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
    enc("sec_\u00e9"),
  ]);
  exposeAccepted(t, acc, "names that are not ASCII");
});

check("SEC-NM-007", async (t) => {
  exposeAccepted(t, await tryNames(t, [new Uint8Array(0)]), "the empty name");
});
