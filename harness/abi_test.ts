import assert from "node:assert/strict";
import {
  DIAG_IOC_MAGIC,
  DIAG_IOCSDEL,
  DIAG_IOCSREG,
  ioc,
  IOC_READ,
  MAX_EVENT_NAME,
} from "./abi.ts";
import { runC } from "./cc.ts";
import * as libcConsts from "./libc.ts";

const RFC = new URL("../kmod/rfc/000_aa391f59f6e4613c.txt", import.meta.url);

/** The RFC's own `#define` lines, taken from the patch text, not retyped. */
function rfcDefines(): string {
  const wanted = /^\+#define (DIAG_IOC_MAGIC|DIAG_IOCSREG|DIAG_IOCSDEL|MAX_EVENT_NAME)\b/;
  const lines = Deno.readTextFileSync(RFC).split("\n")
    .filter((l) => wanted.test(l))
    .map((l) => l.slice(1));
  assert.equal(lines.length, 4, "the RFC should define the four ABI macros");
  return lines.join("\n");
}

Deno.test("DIAG_IOCSREG and DIAG_IOCSDEL equal the RFC's macros compiled by gcc", async () => {
  const out = await runC(`
#include <stdio.h>
#include <linux/ioctl.h>
${rfcDefines()}
int main(void)
{
	printf("%u %u %d %d\\n", (unsigned)DIAG_IOCSREG, (unsigned)DIAG_IOCSDEL,
	       MAX_EVENT_NAME, DIAG_IOC_MAGIC);
	return 0;
}
`);
  assert.equal(
    out,
    `${DIAG_IOCSREG} ${DIAG_IOCSDEL} ${MAX_EVENT_NAME} ${DIAG_IOC_MAGIC.charCodeAt(0)}`,
  );
});

Deno.test("ioc() matches _IOR with the direction bit set", async () => {
  const out = await runC(`
#include <stdio.h>
#include <linux/ioctl.h>
int main(void) { printf("%u\\n", (unsigned)_IOR('z', 255, long long[2])); return 0; }
`);
  assert.equal(out, String(ioc(IOC_READ, "z", 255, 16)));
});

Deno.test("libc.ts flag constants equal <fcntl.h> and <sys/mman.h>", async () => {
  const names = [
    "O_RDONLY",
    "O_WRONLY",
    "O_RDWR",
    "O_CREAT",
    "O_TRUNC",
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
