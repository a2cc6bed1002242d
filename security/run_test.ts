import assert from "node:assert/strict";
import { checkById } from "../abi/udiag/security/catalog.ts";
import type { CheckOutcome } from "./check_context.ts";
import { isWeakness, securityRows, securityTally } from "./summary.ts";
import { securityExit } from "./run.ts";
import { KERNEL_DIED_EXIT } from "../harness/vm/runner.ts";

const outcome = (id: string, verdict: CheckOutcome["verdict"]): CheckOutcome => ({
  event: "check",
  id,
  verdict,
  evidence: [],
  exposures: verdict === "pass" || verdict === "error" ? [] : ["it worked"],
  kernel: [],
  measured: {},
});

// The fresh-clone run of issue 18 filed four "by design" verdicts as findings.
Deno.test("isWeakness(): exposed and error are findings; by design, pass and not run are not", () => {
  const wanted = ["SEC-PG-001", "SEC-XU-002", "SEC-HD-001", "SEC-PG-002", "SEC-XU-001"].map(
    checkById,
  );
  const rows = securityRows(wanted, [
    outcome("SEC-PG-001", "exposed"),
    outcome("SEC-XU-002", "by design"),
    outcome("SEC-HD-001", "pass"),
    outcome("SEC-PG-002", "error"),
  ]);
  assert.deepEqual(rows.filter(isWeakness).map((r) => r.check.id), ["SEC-PG-001", "SEC-PG-002"]);
});

Deno.test("securityExit(): a kernel report on the console fails the run even when every check passed", () => {
  const rows = securityRows([checkById("SEC-HD-001"), checkById("SEC-XU-002")], [
    outcome("SEC-HD-001", "pass"),
    outcome("SEC-XU-002", "by design"),
  ]);
  const tally = securityTally(rows);
  assert.equal(securityExit({ died: false, tally, consoleReports: 0 }), 0);
  assert.equal(securityExit({ died: false, tally, consoleReports: 1 }), 1);
  assert.equal(securityExit({ died: true, tally, consoleReports: 0 }), KERNEL_DIED_EXIT);
  const notRun = securityTally(securityRows([checkById("SEC-HD-001")], []));
  assert.equal(securityExit({ died: false, tally: notRun, consoleReports: 0 }), 1);
});
