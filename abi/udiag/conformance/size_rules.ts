/**
 * Conformance: payload sizes at every limit a sink has (harness/trace/limits.ts).
 * Traced, a write reaches the sink whole or fails with an errno: a write that
 * returns its count while its record vanishes is the finding.
 */
import { Fixture, rule } from "./fixture.ts";
import { perfTracedFile } from "./perf_fixture.ts";
import {
  expectNoRecords,
  expectRecovered,
  judgeSizedWrite,
  ramp,
  recoverFtrace,
  recoverPerf,
  type Sink,
} from "../../../conformance/sink_payloads.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import { limitSizes } from "../../../harness/trace/limits.ts";
import { readRingLayout } from "../../../harness/trace/ftrace_reader.ts";
import { pageSize } from "../../../harness/syscall.ts";
import type { Recovered } from "../../../harness/trace/recover.ts";
import { maxTracedPayload, RECORD_OVERHEAD } from "../abi.ts";
import type { UdiagFile } from "../device.ts";

/** Writes each limit size and judges what the sink gave back for it. */
function writeEachLimit(
  t: RuleContext,
  f: UdiagFile,
  event: string,
  from: Sink,
  recover: () => Recovered,
): void {
  const sizes = limitSizes({
    pageSize: pageSize(),
    ringData: readRingLayout().page.data.size,
    overhead: RECORD_OVERHEAD,
  });
  t.note("sizes", sizes.join(" "));
  for (const n of sizes) {
    recover(); // drain anything older
    const sent = ramp(n);
    const wrote = f.write(sent);
    judgeSizedWrite(t, from, event, {
      what: `a ${n}-byte write`,
      sent,
      wrote,
      count: n,
      got: recover(),
    });
  }
}

rule("UD-SZ-001", (t) => {
  using fx = new Fixture();
  const { name, f } = fx.tracedFile(t);
  writeEachLimit(
    t,
    f,
    fx.tracefs.event(name),
    { sink: "ftrace" },
    () => recoverFtrace(fx.tracefs, name),
  );
});

rule("UD-SZ-002", (t) => {
  using fx = new Fixture();
  // Its 8 data pages hold the largest sample perf makes (PERF_MAX_TRACE_SIZE).
  const traced = perfTracedFile(t, fx);
  if (!traced) return;
  const { name, f, perf: p } = traced;
  writeEachLimit(
    t,
    f,
    fx.tracefs.event(name),
    { sink: "perf", perf: p },
    () => recoverPerf(fx.tracefs, name, p),
  );
});

rule("UD-SZ-003", (t) => {
  using fx = new Fixture();
  const { name, f } = fx.tracedFile(t);
  const event = fx.tracefs.event(name);
  const max = maxTracedPayload(pageSize());
  // UD-SZ-001 lets any size fail; the bound itself is the ABI's: a payload
  // every sink holds is taken, and one byte more is refused by name.
  recoverFtrace(fx.tracefs, name);
  const sent = ramp(max);
  const wrote = f.write(sent);
  t.expect(`a ${max}-byte write`, wrote, { ok: true, value: max });
  expectRecovered(t, { sink: "ftrace" }, event, [sent], recoverFtrace(fx.tracefs, name), {
    count: `ftrace records of a ${max}-byte write`,
    each: `payload of a ${max}-byte write`,
  });
  t.expect(`a ${max + 1}-byte write`, f.write(ramp(max + 1)), "E2BIG");
  expectNoRecords(
    t,
    { sink: "ftrace" },
    event,
    recoverFtrace(fx.tracefs, name),
    `ftrace records of a ${max + 1}-byte write`,
  );
});
