/**
 * Opening perf on a udiag event for the rules and checks; reading payloads
 * back from the sinks is every ABI's (conformance/sink_payloads.ts).
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import type { Fixture } from "./fixture.ts";
import { type PerfEvent, perfOpen } from "../../../harness/trace/perf.ts";

/** perf_event_open on `udiag:<name>` for this thread, closed when the fixture ends. */
export function openTracepointPerf(fx: Fixture, name: string): SysResult<PerfEvent> {
  const r = perfOpen(fx.tracefs.eventId(name));
  if (r.ok) fx.defer(() => r.value.close());
  return r;
}
