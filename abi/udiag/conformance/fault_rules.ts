/**
 * Conformance under the `faults` kernel profile: a traced write whose fault
 * points fail one at a time (conformance/fault_writes.ts), one sink per rule
 * so that what one sink's probe did cannot be blamed on the other's; a
 * DIAG_IOCSREG whose fault points fail one at a time; and the same at the
 * one registration in 1024 where the tracing core's type-id IDA allocates.
 */
import { Fixture, rule } from "./fixture.ts";
import { perfTracedFile } from "./perf_fixture.ts";
import { eachFaultPoint, judgeFaultedWrites } from "../../../conformance/fault_writes.ts";
import { NR } from "../../../harness/rawsys.ts";
import { COUNT_FAULT_POINTS, FailNth, withFault } from "../../../harness/faults/failnth.ts";
import { eventTypeIds } from "../../../harness/tracefs.ts";
import { BITS_PER_XA_VALUE, growthPoint } from "../../../harness/trace/type_ids.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import type { SysResult } from "../../../harness/errno.ts";
import { capacity } from "../abi.ts";
import { pageSize } from "../../../harness/syscall.ts";
import { ramp, recoverFtrace, recoverPerf } from "../../../conformance/sink_payloads.ts";

/**
 * The errnos of a registration an injected fault made fail: its copy of the
 * name (EFAULT), an allocation (ENOMEM), or register_trace_event(), which
 * answers 0 for any failure and so hides an allocation's (ENODEV, as the RFC
 * says it). EINVAL is a bad name's.
 */
function expectRegFailure(t: RuleContext, what: string, got: SysResult<number>): void {
  if (got.ok) return;
  const want = "ENOMEM, EFAULT or ENODEV";
  t.expect(what, /^E(NOMEM|FAULT|NODEV)$/.test(got.errno) ? want : got.errno, want);
}

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
    // Its copy of the name, an allocation or register_trace_event() failed.
    // The same file registers next: one left bound would say EMFILE.
    expectRegFailure(t, `DIAG_IOCSREG, ${what}`, out.value);
    t.expect(`events/udiag/${name} after ${what}`, fx.tracefs.hasEvent(name), false);
  });
});

/** Counts of each registration, the least of which is its own. */
const COUNTS = 3;

rule("UD-FI-005", (t) => {
  using fx = new Fixture();
  using fnth = FailNth.forRule();
  const plan = growthPoint(eventTypeIds(fx.tracefs.root), 1);
  t.expect("a chunk of type ids no event uses", plan !== null, true);
  if (!plan) return;
  t.note("growth point", `type id ${plan.id}, after at most ${plan.fill} registrations`);
  t.expect("registrations it needs fit the page", plan.fill < capacity(pageSize()), true);
  const ctl = fx.open();
  // Ids are taken lowest first: register until the chunk holds 63 of ours.
  const chunk: string[] = [];
  let last = 0;
  for (let i = 0; i < plan.fill && last < plan.id - 1; i++) {
    const name = fx.name("ida");
    const r = fx.registerClosed(name);
    t.expect(`fill registration ${i + 1}`, r.ok, true);
    if (!r.ok) return;
    last = fx.tracefs.eventId(name);
    if (last >= plan.chunkStart) chunk.push(name);
  }
  t.expect("type id of the last fill registration", last, plan.id - 1);
  t.expect("fill registrations in the chunk", chunk.length, BITS_PER_XA_VALUE);
  if (last !== plan.id - 1 || chunk.length !== BITS_PER_XA_VALUE) return;
  // Emptied, the chunk's bitmap is freed; taken again, its 63 ids are a value.
  const refill = (after: string): boolean => {
    for (const n of chunk) ctl.delete(n);
    const ids = chunk.map((n) => fx.registerClosed(n).ok ? fx.tracefs.eventId(n) : -1);
    const whole = ids.every((id, i) => id === plan.chunkStart + i);
    t.expect(`the chunk's 63 ids taken again after ${after}`, whole, true);
    return whole;
  };
  const name = fx.name("ida");
  const counted = (what: string) => {
    const out = withFault(fnth, NR.ioctl, COUNT_FAULT_POINTS, () => fx.registerClosed(name));
    t.expect(what, out.value.ok, true);
    t.expect(`delete after ${what}`, ctl.delete(name), { ok: true, value: 0 });
    return { points: COUNT_FAULT_POINTS - out.left, index: out.value.ok ? out.value.value : -1 };
  };
  // The growth is seen, not assumed: the same registration reaches more fault
  // points where the IDA allocates than where its bitmap exists. An
  // allocation that refills a slab adds a fault point now and then, so the
  // least of a few counts is the call's own.
  const grows: number[] = [];
  const plains: number[] = [];
  let index = -1;
  for (let i = 0; i < COUNTS; i++) {
    const g = counted("DIAG_IOCSREG at the growth point");
    plains.push(counted("DIAG_IOCSREG of the same id, the chunk grown").points);
    grows.push(g.points);
    index = g.index;
    if (!refill("the counting")) return;
  }
  t.note(
    "fault points of a DIAG_IOCSREG",
    `${grows.join(" ")} at the growth point, ${plains.join(" ")} past it`,
  );
  t.expect(
    "more fault points where the IDA grows (least of each)",
    Math.min(...grows) > Math.min(...plains),
    true,
  );
  const errnos: string[] = [];
  for (let nth = 1; nth <= Math.max(...grows); nth++) {
    const out = withFault(fnth, NR.ioctl, nth, () => fx.registerClosed(name));
    const what = out.injected
      ? `a DIAG_IOCSREG at the growth point whose fault point ${nth} failed`
      : `a DIAG_IOCSREG at the growth point past its last fault point`;
    if (out.value.ok) {
      t.expect(what, out.value, { ok: true, value: index });
      t.expect(`delete after ${what}`, ctl.delete(name), { ok: true, value: 0 });
    } else {
      errnos.push(`${nth}: ${out.value.errno}`);
      expectRegFailure(t, `DIAG_IOCSREG, ${what}`, out.value);
      t.expect(`events/udiag/${name} after ${what}`, fx.tracefs.hasEvent(name), false);
    }
    if (!refill(what)) return;
  }
  t.note("failed registrations", errnos.length ? errnos.join(", ") : "none");
  t.expect("faulted registrations that failed (at least 1)", errnos.length >= 1, true);
});
