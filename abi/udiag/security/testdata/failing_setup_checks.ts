// Run by setup_test.ts (not a test of its own): SEC-PG-003 and SEC-XU-004
// through the real check runner, their set-up steps answered with an errno,
// as in page_checks.ts and cross_user_checks.ts.
import { checkTests } from "../../../../security/check_context.ts";
import { UDIAG_CHECKS } from "../catalog.ts";
import { setUp } from "../setup.ts";

const check = checkTests({ checks: UDIAG_CHECKS, absent: () => null });

check("SEC-PG-003", (t) => {
  const m = { ok: false, errno: "ENODEV" } as const;
  t.saw("alice: mmap PROT_READ MAP_PRIVATE", m);
  setUp("alice: mmap PROT_READ MAP_PRIVATE", m);
  t.saw("alice: mprotect(PROT_READ|PROT_WRITE) of the private mapping", "not reached");
});

check("SEC-XU-004", (t) => {
  t.saw("mallory maps the page", setUp("mallory maps the page", { ok: true, value: 1 }));
  const on = { ok: false, errno: "ENOENT" } as const;
  t.saw("root enables tracing of alice's event", on);
  setUp("root enables tracing of alice's event", on);
});
