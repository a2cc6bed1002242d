import assert from "node:assert/strict";
import { errnoName, errnoNumber, showResult } from "./errno.ts";
import { runC } from "./cc.ts";

Deno.test("errnoName() agrees with glibc's strerrorname_np() for every name node:os knows", async () => {
  const out = await runC(`
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
int main(void)
{
	for (int i = 1; i < 134; i++) {
		const char *n = strerrorname_np(i);
		printf("%d %s\\n", i, n ? n : "-");
	}
	return 0;
}
`);
  // glibc and the kernel call 11 EAGAIN, 95 EOPNOTSUPP, 35 EDEADLK; node:os
  // also lists the aliases, which errnoName() must not prefer.
  let compared = 0;
  for (const line of out.split("\n")) {
    const [num, cName] = line.split(" ");
    const ours = errnoName(Number(num));
    if (ours.startsWith("E#")) continue; // a number node:os does not name
    assert.equal(ours, cName, `errno ${num}`);
    assert.equal(errnoNumber(ours), Number(num));
    compared++;
  }
  assert.ok(compared >= 70, `only ${compared} errnos compared`);
});

Deno.test("errnoName() keeps numbers without a name visible", () => {
  assert.equal(errnoName(524), "E#524");
  assert.equal(errnoNumber("E#524"), 524);
});

Deno.test("showResult() prints values and errno names", () => {
  assert.equal(showResult({ ok: true, value: 3 }), "ok 3");
  assert.equal(showResult({ ok: false, errno: "EBUSY" }), "EBUSY");
});
