import assert from "node:assert/strict";
import { runChecksFile } from "../../../security/run_checks_file.ts";
import userEvents from "../plugin.ts";
import { USER_EVENTS_CHECKS } from "./catalog.ts";

Deno.test("a failed set-up is an error, a move that worked or a wrong errno is exposed, the cited refusal passes", async () => {
  const { success, said, outcomes } = await runChecksFile(
    new URL("./testdata/verdict_checks.ts", import.meta.url).pathname,
  );
  assert.equal(success, false, said);
  assert.deepEqual(outcomes.map((o) => [o.id, o.verdict]), [
    ["UE-SEC-FD-001", "error"],
    ["UE-SEC-WR-001", "exposed"],
    ["UE-SEC-FD-002", "exposed"],
    ["UE-SEC-ACC-003", "pass"],
  ], said);
  assert.match(outcomes[0]!.error!, /Cannot set up "mallory receives the descriptor": EBADMSG/);
  assert.deepEqual(outcomes[1]!.exposures, ["mallory writevs index -1 succeeded (8)"]);
  assert.deepEqual(outcomes[2]!.exposures, [
    "mallory deletes root's persistent event: ENOENT, not EPERM",
  ]);
  assert.deepEqual(outcomes[3]!.evidence, ['mallory writes "1" to user_events_max: EACCES']);
});

const CHECK_CALL = /^check\("([^"]+)"/gm;

/** Check ID → the files of the plug-in's security part that register it. */
function registrations(): Map<string, string[]> {
  const at = new Map<string, string[]>();
  for (const f of userEvents.security!.files) {
    const src = Deno.readTextFileSync(new URL(`../../../${f}`, import.meta.url));
    for (const m of src.matchAll(CHECK_CALL)) at.set(m[1]!, [...(at.get(m[1]!) ?? []), f]);
  }
  return at;
}

Deno.test("every check is registered by exactly one file of the security part, and nothing else is", () => {
  const at = registrations();
  for (const c of USER_EVENTS_CHECKS.all) {
    assert.equal(at.get(c.id)?.length, 1, `${c.id}: ${at.get(c.id)?.join(", ") ?? "no file"}`);
  }
  for (const id of at.keys()) assert.ok(USER_EVENTS_CHECKS.byId.has(id), id);
});

Deno.test("no check returns early on a failed answer: set-up failures throw (verdict error)", () => {
  for (const f of userEvents.security!.files) {
    const src = Deno.readTextFileSync(new URL(`../../../${f}`, import.meta.url));
    assert.doesNotMatch(src, /if \(!\w+\.ok\) return;/, f);
  }
});
