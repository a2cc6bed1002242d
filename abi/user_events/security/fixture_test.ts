import assert from "node:assert/strict";
import { refused } from "./fixture.ts";
import { SecurityContext } from "../../../security/check_context.ts";

/** A check's context that keeps what it was asked to judge. */
class Judged extends SecurityContext {
  readonly judged: [string, string | Uint8Array][] = [];
  override judge(what: string, want: string | Uint8Array): void {
    this.judged.push([what, want]);
  }
}

Deno.test("refused() pins a wrong answer's check to the call, for a C reproducer", () => {
  const t = new Judged("UE-SEC-X");
  assert.equal(refused(t, "a", { ok: false, errno: "EPERM" }, ["EPERM"]), true);
  assert.equal(refused(t, "b", { ok: true, value: 0 }, ["EPERM"]), false);
  assert.equal(refused(t, "c", { ok: false, errno: "ENOENT" }, ["EFAULT"]), false);
  assert.equal(refused(t, "d", { ok: true, value: 3 }, ["EACCES", "EPERM"]), false);
  assert.deepEqual(t.judged, [["b", "EPERM"], ["c", "EFAULT"], ["d", "refused"]]);
  assert.equal(t.exposures.length, 3);
});
