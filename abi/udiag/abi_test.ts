import assert from "node:assert/strict";
import { DIAG_IOC_MAGIC, DIAG_IOCSDEL, DIAG_IOCSREG, MAX_EVENT_NAME } from "./abi.ts";
import { runC } from "../../harness/cc.ts";

const RFC = new URL("./rfc/000_aa391f59f6e4613c.txt", import.meta.url);

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
