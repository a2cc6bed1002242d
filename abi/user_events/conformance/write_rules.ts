/**
 * Conformance: writing records through user_events_data (NOTES.md §7).
 * The `trace` text of a user event comes from `print_event_fields()`
 * (U:1466-1470), which prints 4- and 8-byte fields as `0x%x (%d)` and
 * `0x%llx (%lld)` (trace_output.c:926-933), not the `format` file's print fmt.
 */
import { Fixture, rule } from "./fixture.ts";

const ok = (value: unknown) => ({ ok: true as const, value });
const isOk = (r: { ok: boolean }) => r.ok;
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

rule("UE-WRITE-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect(
    "register",
    fx.register(f, { nameArgs: `${name} u32 a`, enableAddr: fx.word(), enableBit: 0 }),
    ok(0),
  );
  t.expect("enable", isOk(fx.trace(name)), true);
  for (const idx of [-1, -2, -4, -0x80000000]) {
    t.expect(`writev index ${idx}`, f.writev(idx, u32(1)), "EINVAL");
    t.expect(`write index ${idx}`, f.write(idx, u32(1)), "EINVAL");
  }
});

rule("UE-WRITE-002", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  t.expect("fresh fd, index 0", fx.open().writev(0, u32(1)), "ENOENT");
  const f = fx.open();
  t.expect(
    "register",
    fx.register(f, { nameArgs: `${name} u32 a`, enableAddr: fx.word(), enableBit: 0 }),
    ok(0),
  );
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("index 1 (count)", f.writev(1, u32(1)), "ENOENT");
  t.expect("index 1000", f.writev(1000, u32(1)), "ENOENT");
  t.expect("index 0 on another fd", fx.open().writev(0, u32(1)), "ENOENT");
});

rule("UE-WRITE-003", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect(
    "register",
    fx.register(f, { nameArgs: `${name} u32 a`, enableAddr: fx.word(), enableBit: 0 }),
    ok(0),
  );
  t.expect("writev, never enabled", f.writev(0, u32(7)), "EBADF");
  t.expect("write, never enabled", f.write(0, u32(7)), "EBADF");
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("writev, enabled", f.writev(0, u32(7)), ok(8));
  t.expect("disable", isOk(fx.trace(name, false)), true);
  t.expect("writev, disabled again", f.writev(0, u32(7)), "EBADF");
});

rule("UE-WRITE-004", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect(
    "register",
    fx.register(f, { nameArgs: `${name} u32 a;u64 b`, enableAddr: fx.word(), enableBit: 0 }),
    ok(0),
  );
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("clear trace", isOk(fx.tracefs.clear()), true);
  const b = new Uint8Array(new BigUint64Array([12345678901n]).buffer);
  t.expect("writev(index, a, b)", f.writev(0, u32(424242), b), ok(16));
  t.expect(
    "write(index+a+b+4 extra)",
    f.write(0, new Uint8Array([...u32(99), ...b, 1, 2, 3, 4])),
    ok(20),
  );
  const trace = fx.tracefs.readTrace();
  t.note("trace lines", trace.split("\n").filter((l) => l.includes(name)).join(" | "));
  t.expect(
    "record 1 in trace",
    trace.includes(`${name}: a=0x67932 (424242) b=0x2dfdc1c35 (12345678901)`),
    true,
  );
  t.expect(
    "record 2 in trace",
    trace.includes(`${name}: a=0x63 (99) b=0x2dfdc1c35 (12345678901)`),
    true,
  );
});

rule("UE-WRITE-005", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect(
    "register field-less",
    fx.register(f, { nameArgs: name, enableAddr: fx.word(), enableBit: 0 }),
    ok(0),
  );
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("clear trace", isOk(fx.tracefs.clear()), true);
  t.expect("write(index only)", f.write(0), ok(4));
  t.expect("writev(index only)", f.writev(0), ok(4));
  const lines = fx.tracefs.readTrace().split("\n").filter((l) => l.includes(` ${name}:`));
  t.expect("records in trace", lines.length, 2);
});

rule("UE-WRITE-006", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect(
    "register",
    fx.register(f, { nameArgs: `${name} u32 a;u16 b`, enableAddr: fx.word(), enableBit: 0 }),
    ok(0),
  );
  t.expect("5-byte payload, disabled", f.writev(0, new Uint8Array(5)), "EINVAL");
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("5-byte payload, enabled", f.writev(0, new Uint8Array(5)), "EINVAL");
  t.expect("empty payload, enabled", f.write(0), "EINVAL");
  t.expect("6-byte payload, enabled", f.writev(0, new Uint8Array(6)), ok(10));
  t.expect("3-byte write", f.writeRaw(new Uint8Array(3)), "EFAULT");
  t.expect("1-byte write", f.writeRaw(new Uint8Array(1)), "EFAULT");
});
