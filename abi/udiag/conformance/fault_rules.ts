/**
 * Conformance under the `faults` kernel profile: a traced write whose fault
 * points fail one at a time (conformance/fault_writes.ts), one sink per rule
 * so that what one sink's probe did cannot be blamed on the other's; and a
 * DIAG_IOCSREG whose fault points fail one at a time.
 */
import { Fixture, rule } from "./fixture.ts";
import { perfTracedFile } from "./perf_fixture.ts";
import { eachFaultPoint, judgeFaultedWrites } from "../../../conformance/fault_writes.ts";
import { NR } from "../../../harness/rawsys.ts";
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

rule("UD-FI-003", (t) => {
  using fx = new Fixture();
  // The index a new name gets now: one a failed DIAG_IOCSREG leaked would be
  // taken when the last, successful one runs.
  const probe = fx.name();
  const g = fx.open();
  const first = g.register(probe);
  t.expect("register a probe name", first.ok, true);
  if (!first.ok) return;
  g.close();
  t.expect("delete the probe name", fx.open().delete(probe), { ok: true, value: 0 });
  const name = fx.name();
  let f = fx.open();
  eachFaultPoint(t, NR.ioctl, () => f.register(name), (what, out) => {
    if (out.value.ok) {
      // Past its last fault point, or past one the tracing core absorbs: the
      // module's side must be whole (the index a new name gets, a name that
      // deletes). Whether tracefs shows the event is the core's: under
      // fail-nth, trace_add_event_call() returned 0 once with no eventfs
      // directory made, which no module can see.
      t.expect(`DIAG_IOCSREG, ${what}`, out.value, { ok: true, value: first.value });
      f.close();
      t.expect(`delete ${name} again`, fx.open().delete(name), { ok: true, value: 0 });
      f = fx.open();
      return;
    }
    // Its copy of the name (EFAULT) or an allocation (ENOMEM) failed. The
    // same file registers next: one left bound would say EMFILE.
    const got = out.value.errno;
    t.expect(
      `DIAG_IOCSREG, ${what}`,
      /^E(NOMEM|FAULT)$/.test(got) ? "ENOMEM or EFAULT" : got,
      "ENOMEM or EFAULT",
    );
    t.expect(`events/udiag/${name} after ${what}`, fx.tracefs.hasEvent(name), false);
  });
});
