import assert from "node:assert/strict";
import { setUp } from "./setup.ts";
import { runChecksFile } from "../../../security/run_checks_file.ts";

Deno.test("setUp() returns the value of a step that worked", () => {
  assert.equal(setUp("alice: mmap PROT_READ MAP_PRIVATE", { ok: true, value: 7 }), 7);
});

Deno.test("setUp() throws naming the step and its errno", () => {
  assert.throws(
    () => setUp("mallory maps the page", { ok: false, errno: "ENODEV" }),
    (e: unknown) =>
      e instanceof Error && e.message === 'Cannot set up "mallory maps the page": ENODEV',
  );
});

Deno.test("[SEC-PG-003] [SEC-XU-004] a failed set-up gives the verdict error with its errno, never pass", async () => {
  const { success, said, outcomes } = await runChecksFile(
    new URL("./testdata/failing_setup_checks.ts", import.meta.url).pathname,
  );
  assert.equal(success, false, `a check whose set-up failed passed:\n${said}`);
  assert.deepEqual(
    outcomes.map((o) => [o.id, o.verdict]),
    [["SEC-PG-003", "error"], ["SEC-XU-004", "error"]],
    said,
  );
  assert.match(
    outcomes[0]!.error!,
    /Cannot set up "alice: mmap PROT_READ MAP_PRIVATE": ENODEV/,
  );
  assert.match(
    outcomes[1]!.error!,
    /Cannot set up "root enables tracing of alice's event": ENOENT/,
  );
  assert.deepEqual(outcomes[1]!.evidence, [
    "mallory maps the page: 1",
    "root enables tracing of alice's event: ENOENT",
  ]);
});

/** The body of `check(id, …)` in a check file, up to the next check. */
function checkBody(file: string, id: string): string {
  const src = Deno.readTextFileSync(new URL(file, import.meta.url));
  const at = src.indexOf(`check("${id}"`);
  assert.ok(at >= 0, `${file} has no check ${id}`);
  const next = src.indexOf("\ncheck(", at + 1);
  return src.slice(at, next < 0 ? undefined : next);
}

// The checks themselves run only in the VM: this pins that their set-up steps
// are the ones the runner test above feeds, and that none returns (= pass) on failure.
for (
  const [file, id, steps] of [
    ["./page_checks.ts", "SEC-PG-003", ["alice: mmap PROT_READ MAP_PRIVATE"]],
    ["./cross_user_checks.ts", "SEC-XU-004", [
      "mallory maps the page",
      "root enables tracing of alice's event",
    ]],
  ] as const
) {
  Deno.test(`[${id}] its set-up steps go through setUp(), never a silent return`, () => {
    const body = checkBody(file, id);
    for (const step of steps) assert.ok(body.includes(`setUp("${step}"`), `${id}: ${step}`);
    assert.doesNotMatch(body, /if \(!\w+\.ok\) return;/);
  });
}
