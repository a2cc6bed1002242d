/**
 * Opening perf on a udiag event for the rules and checks; reading payloads
 * back from the sinks is every ABI's (conformance/sink_payloads.ts).
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import type { Fixture } from "./fixture.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import type { UdiagFile } from "../device.ts";
import { type PerfEvent, perfOpen } from "../../../harness/trace/perf.ts";

/** perf_event_open on `udiag:<name>` for this thread, closed when the fixture ends. */
export function openTracepointPerf(fx: Fixture, name: string): SysResult<PerfEvent> {
  const r = perfOpen(fx.tracefs.eventId(name));
  if (r.ok) fx.defer(() => r.value.close());
  return r;
}

/**
 * A file registered on a new event that perf traces (the expectations are
 * the rule's); null, the failure recorded, when perf cannot be opened.
 */
export function perfTracedFile(
  t: RuleContext,
  fx: Fixture,
): { name: string; f: UdiagFile; perf: PerfEvent } | null {
  const name = fx.name();
  const f = fx.open();
  t.expect("register", f.register(name).ok, true);
  const perf = openTracepointPerf(fx, name);
  t.expect("perf_event_open", perf.ok, true);
  return perf.ok ? { name, f, perf: perf.value } : null;
}
