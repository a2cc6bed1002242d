/**
 * Conformance under the `faults` kernel profile: a traced write whose fault
 * points fail one at a time (conformance/fault_writes.ts), one sink per rule
 * so that what one sink's probe did cannot be blamed on the other's.
 */
import { Fixture, rule } from "./fixture.ts";
import { perfTracedFile } from "./perf_fixture.ts";
import { judgeFaultedWrites } from "../../../conformance/fault_writes.ts";
import { ramp, recoverFtrace, recoverPerf } from "../../../conformance/sink_payloads.ts";

/** 64 bytes, short of every size limit: a failure here is the fault's. */
const PAYLOAD = ramp(64);

rule("UD-FI-001", (t) => {
  using fx = new Fixture();
  const { name, f } = fx.tracedFile(t);
  judgeFaultedWrites(t, {
    event: fx.tracefs.event(name),
    sinks: [{ from: { sink: "ftrace" }, recover: () => recoverFtrace(fx.tracefs, name) }],
    sent: PAYLOAD,
    count: PAYLOAD.length,
    write: () => f.write(PAYLOAD),
  });
});

rule("UD-FI-002", (t) => {
  using fx = new Fixture();
  const traced = perfTracedFile(t, fx);
  if (!traced) return;
  const { name, f, perf: p } = traced;
  judgeFaultedWrites(t, {
    event: fx.tracefs.event(name),
    sinks: [{ from: { sink: "perf", perf: p }, recover: () => recoverPerf(fx.tracefs, name, p) }],
    sent: PAYLOAD,
    count: PAYLOAD.length,
    write: () => f.write(PAYLOAD),
  });
});
