import assert from "node:assert/strict";
import { ioc, IOC_READ, IOC_WRITE, iowr } from "./ioctl.ts";
import { runC } from "./cc.ts";
import * as libcConsts from "./libc.ts";

Deno.test("ioc() matches _IOR with the direction bit set", async () => {
  const out = await runC(`
#include <stdio.h>
#include <linux/ioctl.h>
int main(void) { printf("%u\\n", (unsigned)_IOR('z', 255, long long[2])); return 0; }
`);
  assert.equal(out, String(ioc(IOC_READ, "z", 255, 16)));
});

Deno.test("iowr() matches _IOWR", async () => {
  const out = await runC(`
#include <stdio.h>
#include <linux/ioctl.h>
int main(void) { printf("%u\\n", (unsigned)_IOWR('*', 2, int)); return 0; }
`);
  assert.equal(out, String(iowr("*", 2, 4)));
  assert.equal(iowr("*", 2, 4), ioc(IOC_READ | IOC_WRITE, "*", 2, 4));
});

Deno.test("libc.ts flag constants equal <fcntl.h> and <sys/mman.h>", async () => {
  const names = [
    "O_RDONLY",
    "O_WRONLY",
    "O_RDWR",
    "O_CREAT",
    "O_TRUNC",
    "O_APPEND",
    "O_NONBLOCK",
    "O_CLOEXEC",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "PROT_EXEC",
    "MAP_SHARED",
    "MAP_PRIVATE",
    "MAP_FIXED",
    "MAP_ANONYMOUS",
    "MFD_CLOEXEC",
  ] as const;
  const out = await runC(`
#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <sys/mman.h>
int main(void)
{
${names.map((n) => `\tprintf("%ld\\n", (long)${n});`).join("\n")}
	return 0;
}
`);
  const got = Object.fromEntries(out.split("\n").map((v, i) => [names[i], Number(v)]));
  const want = Object.fromEntries(names.map((n) => [n, libcConsts[n]]));
  assert.deepEqual(got, want);
});
