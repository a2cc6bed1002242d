import assert from "node:assert/strict";
import { countJunit, mergeJunit } from "./junit.ts";

Deno.test("mergeJunit() keeps every testsuite of every run", () => {
  const a = '<testsuites><testsuite name="a"><testcase name="1"/></testsuite></testsuites>';
  const b = '<testsuites><testsuite name="b"><testcase name="2"/></testsuite></testsuites>';
  const m = mergeJunit([a, b, ""], "conformance");
  assert.equal([...m.matchAll(/<testsuite\b/g)].length, 2);
  assert.deepEqual(countJunit(m), { passed: 2, failed: 0, skipped: 0 });
  assert.match(m, /<testsuites name="conformance">/);
});
