/** Conformance: USER_EVENT_REG_MULTI_FORMAT (NOTES.md §14) and perf as a probe (NOTES.md §8). */
import { Fixture, rule } from "./fixture.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { perfOpen, sampleRaw } from "../../../harness/trace/perf.ts";
import {
  TRACEFS_ROOT,
  USER_EVENT_REG_MULTI_FORMAT,
  USER_EVENT_REG_PERSIST,
  USER_EVENTS_MULTI_SYSTEM,
} from "../abi.ts";
import { UserEventsFile } from "../client.ts";

const ok = (value: unknown) => ({ ok: true as const, value });
const isOk = (r: { ok: boolean }) => r.ok;
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

rule("UE-MULTI-001", async (t) => {
  using fx = new Fixture();
  const multi = new Tracefs(USER_EVENTS_MULTI_SYSTEM, TRACEFS_ROOT);
  const name = fx.name();
  // The tracepoint is "%s.%llx" of the name and a group-wide counter (U:2014-2015).
  const re = new RegExp(`^${name}\\.[0-9a-f]+$`);
  const dirs = () => multi.events().filter((e) => re.test(e));
  const f = UserEventsFile.openOrThrow();
  fx.defer(() => f.close());
  const w = fx.word();
  const flags = USER_EVENT_REG_MULTI_FORMAT | USER_EVENT_REG_PERSIST;
  const reg = (nameArgs: string, enableBit: number, fl = flags) =>
    fx.register(f, { nameArgs, enableAddr: w, enableBit, flags: fl });
  t.expect("NAME u32 a, MULTI_FORMAT", reg(`${name} u32 a`, 0), ok(0));
  t.expect("NAME u64 b, MULTI_FORMAT: a second event", reg(`${name} u64 b`, 1), ok(1));
  t.expect("NAME u64 b again, MULTI_FORMAT: the same event", reg(`${name} u64 b`, 2), ok(1));
  const d = dirs();
  t.note("user_events_multi directories", d.join(" "));
  t.expect("user_events_multi/NAME.<hex id> directories", d.length, 2);
  t.expect("nothing in user_events/", fx.tracefs.hasEvent(name), false);
  const withField = (field: string) =>
    d.find((e) => multi.format(e).includes(`field:${field};`)) ?? "none";
  const a = withField("u32 a");
  const b = withField("u64 b");
  t.expect("each format has its own directory", a !== b && a !== "none" && b !== "none", true);
  t.expect("enable the u32 a event", isOk(multi.setEnabled(a, true)), true);
  fx.defer(() => multi.setEnabled(a, false));
  t.expect("only its bit is set", w.read64().toString(16), (0b1n).toString(16));
  t.expect("disable it", isOk(multi.setEnabled(a, false)), true);
  t.expect("enable the u64 b event", isOk(multi.setEnabled(b, true)), true);
  fx.defer(() => multi.setEnabled(b, false));
  t.expect("only its two bits are set", w.read64().toString(16), (0b110n).toString(16));
  t.expect("disable it", isOk(multi.setEnabled(b, false)), true);
  // Single- and multi-format events of one name never match each other (U:1577).
  t.expect(
    "NAME u32 c without the flag: a single-format event",
    reg(`${name} u32 c`, 3, USER_EVENT_REG_PERSIST),
    ok(2),
  );
  t.expect("user_events/NAME", fx.tracefs.hasEvent(name), true);
  const del = fx.open();
  t.expect("DIAG_IOCSDEL while registered", del.delete(name), "EBUSY");
  for (const bit of [0, 1, 2, 3]) {
    t.expect(`unregister bit ${bit}`, f.unregister(w, bit), ok(0));
    fx.forget(w, bit);
  }
  t.expect("close the registering fd", f.close(), ok(0));
  t.expect("the PERSIST events stay", dirs().length === 2 && fx.tracefs.hasEvent(name), true);
  // The enablers' references go after an RCU grace period (UE-DEL-004).
  const t0 = Date.now();
  let last = del.delete(name);
  await Fixture.waitFor(() => {
    if (!last.ok && last.errno === "EBUSY") last = del.delete(name);
    return last.ok || last.errno !== "EBUSY";
  });
  t.note("ms until DIAG_IOCSDEL stopped answering EBUSY", Date.now() - t0);
  t.expect("one DIAG_IOCSDEL of NAME", last, ok(0));
  t.expect("every user_events_multi/NAME.* is gone", dirs().join(" "), "");
  t.expect("user_events/NAME is gone", fx.tracefs.hasEvent(name), false);
  t.expect("DIAG_IOCSDEL again", del.delete(name), "ENOENT");
});

rule("UE-PERF-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const w = fx.word();
  const f = fx.open();
  t.expect(
    "register NAME u32 a",
    fx.register(f, { nameArgs: `${name} u32 a`, enableAddr: w, enableBit: 7 }),
    ok(0),
  );
  const id = fx.tracefs.eventId(name);
  const perf = perfOpen(id);
  t.expect("perf_event_open on the event id", perf.ok, true);
  if (!perf.ok) return;
  fx.defer(() => perf.value.close());
  t.expect("perf sets the bit", w.read64().toString(16), (1n << 7n).toString(16));
  const payload = new Uint8Array([0x78, 0x56, 0x34, 0x12]);
  t.expect("write with only perf attached", f.write(0, payload), ok(8));
  const raws = perf.value.read().records.map(sampleRaw).filter((r): r is Uint8Array => r !== null);
  t.expect("PERF_RECORD_SAMPLEs", raws.length, 1);
  const raw = raws[0] ?? new Uint8Array(12);
  const type = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint16(0, true);
  t.expect("the sample's common_type is the event id", type, id);
  t.expect("field a at offset 8", hex(raw.subarray(8, 12)), hex(payload));
  perf.value.close();
  t.expect("closing perf clears the bit", w.read64().toString(16), (0n).toString(16));
  t.expect("a write with no probe", f.write(0, payload), "EBADF");
});
