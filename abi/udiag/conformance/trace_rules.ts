/** Conformance: enable bytes and payload round trips through ftrace and perf. */
import { Fixture, rule } from "./fixture.ts";
import { openTracepointPerf } from "./perf_fixture.ts";
import {
  expectNoRecords,
  expectRecovered,
  recoverFtrace,
  recoverPerf,
} from "../../../conformance/sink_payloads.ts";
import { payloadBytes, PAYLOADS } from "../../../harness/trace/payloads.ts";

rule("UD-TR-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  const idx = f.register(name);
  const page = f.mapPage();
  t.expect("register", idx.ok, true);
  t.expect("mmap", page.ok, true);
  if (!idx.ok || !page.ok) return;
  using p = page.value;
  t.expect("byte before enabling", p.byte(idx.value), 0);
  t.expect("enable", fx.trace(name), { ok: true, value: 1 });
  t.expect("byte while enabled", p.byte(idx.value), 1);
  t.expect("enable again", fx.trace(name), { ok: true, value: 1 });
  t.expect("byte after enabling twice", p.byte(idx.value), 1);
  t.expect("disable", fx.trace(name, false), { ok: true, value: 1 });
  t.expect("byte after disabling", p.byte(idx.value), 0);
});

rule("UD-TR-002", (t) => {
  using fx = new Fixture();
  const { name, f } = fx.tracedFile(t);
  const sent = PAYLOADS.map(payloadBytes);
  for (const p of sent) {
    t.expect(`write ${p.length} bytes`, f.write(p), { ok: true, value: p.length });
  }
  const got = recoverFtrace(fx.tracefs, name);
  expectRecovered(t, { sink: "ftrace" }, fx.tracefs.event(name), sent, got, {
    count: "records recovered",
    each: "payload",
  });
});

rule("UD-TR-003", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  const idx = f.register(name);
  const page = f.mapPage();
  t.expect("register", idx.ok, true);
  t.expect("mmap", page.ok, true);
  const perf = openTracepointPerf(fx, name);
  t.expect("perf_event_open", perf.ok, true);
  if (!idx.ok || !page.ok || !perf.ok) return;
  using p = page.value;
  t.expect("byte while perf is open", p.byte(idx.value), 1);
  const sent = PAYLOADS.map(payloadBytes);
  for (const s of sent) {
    t.expect(`write ${s.length} bytes`, f.write(s), { ok: true, value: s.length });
  }
  const got = recoverPerf(fx.tracefs, name, perf.value);
  expectRecovered(t, { sink: "perf", perf: perf.value }, fx.tracefs.event(name), sent, got, {
    count: "samples recovered",
    each: "sample",
  });
  perf.value.close();
  t.expect("byte after perf closed", p.byte(idx.value), 0);
});

rule("UD-TR-004", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect("register", f.register(name).ok, true);
  t.expect("enable", fx.trace(name), { ok: true, value: 1 });
  t.expect("disable", fx.trace(name, false), { ok: true, value: 1 });
  recoverFtrace(fx.tracefs, name);
  t.expect("write while not traced", f.write(new Uint8Array([1, 2, 3])), { ok: true, value: 3 });
  // The oracle is the sink's content, not the write's answer (see expectRecovered).
  expectNoRecords(t, { sink: "ftrace" }, fx.tracefs.event(name), recoverFtrace(fx.tracefs, name));
});
