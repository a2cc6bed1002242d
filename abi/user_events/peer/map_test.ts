import assert from "node:assert/strict";
import { onlyOurs, onlyTheirs, PEER_RULES } from "./map.ts";
import { USER_EVENTS_RULES } from "../conformance/rules.ts";
import { PEER_TESTS } from "./build.ts";
import { sideBySide } from "./run.ts";

const IDS = USER_EVENTS_RULES.all.map((r) => r.id);

Deno.test("PEER_RULES names only rules that exist and binaries the peer run builds", () => {
  for (const [c, ids] of Object.entries(PEER_RULES)) {
    assert.ok((PEER_TESTS as readonly string[]).includes(c.split("/")[0]!), c);
    for (const id of ids) assert.ok(IDS.includes(id), `${c}: unknown rule ${id}`);
  }
});

Deno.test("PEER_RULES maps every case the shipped kselftests report", async () => {
  // The case names of the committed peer run (docs/user_events-peer.md).
  const doc = await Deno.readTextFile(
    new URL("../../../docs/user_events-peer.md", import.meta.url),
  );
  const cases = [...doc.matchAll(/^\| `(\w+)` \| \d+ \| `([\w.]+)` \|/gm)].map((m) =>
    `${m[1]}/${m[2]}`
  );
  assert.ok(cases.length >= 18, `${cases.length} cases`);
  assert.deepEqual(cases.filter((c) => !(c in PEER_RULES)), []);
});

Deno.test("onlyOurs() and onlyTheirs() split what one suite checks alone", () => {
  const ours = onlyOurs(IDS);
  assert.ok(ours.includes("UE-MAX-001"));
  assert.ok(!ours.includes("UE-DEL-004"));
  assert.ok(onlyTheirs().includes("perf_test/user.perf_empty_events"));
  assert.ok(!onlyTheirs().includes("perf_test/user.perf_write"));
  assert.ok(!onlyTheirs().includes("abi_test/user.flags"));
});

Deno.test("sideBySide() says which failures both suites find and which only one", () => {
  const bin = (name: string, cases: [string, "pass" | "fail"][]) => ({
    name,
    cases: cases.map(([c, verdict], i) => ({ name: c, verdict, number: i + 1 })),
  });
  const r = {
    binaries: [
      bin("abi_test", [["user.flags", "fail"], ["user.enablement", "pass"]]),
      bin("dyn_test", [["user.basic_types", "fail"]]),
    ],
    ours: IDS.map((id) => ({
      id,
      verdict: id === "UE-DEL-004" || id === "UE-MAX-001" ? "fail" as const : "pass" as const,
      ...(id === "UE-DEL-004" ? { finding: "docs/user_events-findings/x" } : {}),
    })),
  } as unknown as Parameters<typeof sideBySide>[0];
  const text = sideBySide(r).join("\n");
  assert.match(text, /`abi_test\/user.flags` fails, and so does UE-DEL-004: found by both suites/);
  assert.match(
    text,
    /`dyn_test\/user.basic_types` fails; none of our rules .* found by the selftests only/,
  );
  assert.match(
    text,
    /UE-DEL-004 fails; finding `docs\/user_events-findings\/x`.*the selftests see it too/,
  );
  assert.match(text, /UE-MAX-001 fails: no selftest checks it: found by our rules only/);
  assert.match(text, /Our rules in the same boot: \d+ pass, 2 fail, 0 not run/);
});
