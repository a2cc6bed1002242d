import assert from "node:assert/strict";
import { wrongAnswer } from "./answer.ts";

Deno.test("wrongAnswer(): an expected errno is right, success and other errnos are wrong", () => {
  assert.equal(wrongAnswer("delete", { ok: false, errno: "EPERM" }, ["EPERM"]), null);
  assert.equal(
    wrongAnswer("delete", { ok: true, value: 0 }, ["EPERM"]),
    "delete succeeded (0)",
  );
  assert.equal(
    wrongAnswer("writev -1", { ok: false, errno: "ENOENT" }, ["EINVAL"]),
    "writev -1: ENOENT, not EINVAL",
  );
  assert.equal(
    wrongAnswer("open", { ok: false, errno: "ENOENT" }, ["EACCES", "EPERM"]),
    "open: ENOENT, not EACCES or EPERM",
  );
});
