/** Conformance: the eBPF sink, through a program of our own attached to the event. */
import { Fixture, rule } from "./fixture.ts";
import { openTracepointPerf } from "./perf_fixture.ts";
import { hex } from "../../../conformance/sink_payloads.ts";
import {
  BPF_PROG_TYPE_TRACEPOINT,
  dataLocProgram,
  mapCreateArray,
  mapLookup,
  progLoad,
  readDataLocDump,
} from "../../../harness/bpf.ts";
import { dynamicField, parseFormat } from "../../../harness/trace/format.ts";
import { sysClose } from "../../../harness/syscall.ts";

/** The payload, and as much as the program copies out. */
const PAYLOAD = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);

rule("UD-BPF-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect("register", f.register(name).ok, true);
  // The consumer is written from the published layout, as a bpftrace or libbpf one would be.
  const field = dynamicField(parseFormat(fx.tracefs.format(name)));
  t.expect("a __data_loc or __rel_loc field in the format file", field?.name ?? "none", "data");
  if (!field) return;
  const map = mapCreateArray(8 + PAYLOAD.length);
  t.expect("bpf(BPF_MAP_CREATE)", map.ok, true);
  if (!map.ok) return;
  fx.defer(() => sysClose(map.value));
  const insns = dataLocProgram(map.value, field, PAYLOAD.length);
  const prog = progLoad(BPF_PROG_TYPE_TRACEPOINT, insns);
  t.expect("bpf(BPF_PROG_LOAD)", prog.ok ? "ok" : `${prog.errno}: ${prog.log}`, "ok");
  if (!prog.ok) return;
  fx.defer(() => sysClose(prog.fd));
  const perf = openTracepointPerf(fx, name);
  t.expect("perf_event_open", perf.ok, true);
  if (!perf.ok) return;
  t.expect("PERF_EVENT_IOC_SET_BPF", perf.value.setBpf(prog.fd), { ok: true, value: 0 });
  t.expect(`write ${PAYLOAD.length} bytes`, f.write(PAYLOAD), { ok: true, value: PAYLOAD.length });
  const value = mapLookup(map.value, 0, 8 + PAYLOAD.length);
  t.expect("bpf(BPF_MAP_LOOKUP_ELEM)", value.ok, true);
  if (!value.ok) return;
  const got = readDataLocDump(value.value);
  t.expect(`length in "${field.name}" as the program read it`, got.length, PAYLOAD.length);
  t.expect("payload through eBPF", hex(got.bytes), hex(PAYLOAD));
});
