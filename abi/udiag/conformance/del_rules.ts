/** Conformance: DIAG_IOCSDEL, holders (files, ftrace, perf), index reuse. */
import { Fixture, rule } from "./fixture.ts";
import { GuardedBytes, sysIoctl } from "../../../harness/syscall.ts";
import { DIAG_IOCSDEL, MAX_NAME_BYTES } from "../abi.ts";
import { openTracepointPerf } from "./perf_fixture.ts";

rule("UD-DEL-001", (t) => {
  using fx = new Fixture();
  t.expect("DIAG_IOCSDEL(never registered)", fx.open().delete(fx.name()), "ENOENT");
});

rule("UD-DEL-002", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const holder = fx.open();
  t.expect("register", holder.register(name).ok, true);
  t.expect("delete from another file while held", fx.open().delete(name), "EBUSY");
  t.expect("delete from the holder itself", holder.delete(name), "EBUSY");
  t.expect("the event is still in tracefs", fx.tracefs.hasEvent(name), true);
});

rule("UD-DEL-003", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect("register", f.register(name).ok, true);
  f.close();
  t.expect("enable in tracefs", fx.trace(name), { ok: true, value: 1 });
  t.expect("delete while enabled, no file open", fx.open().delete(name), "EBUSY");
  t.expect("disable in tracefs", fx.trace(name, false), { ok: true, value: 1 });
  t.expect("delete once disabled", fx.open().delete(name), { ok: true, value: 0 });
});

rule("UD-DEL-004", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect("register", f.register(name).ok, true);
  f.close();
  const perf = openTracepointPerf(fx, name);
  t.expect("perf_event_open", perf.ok, true);
  t.expect("delete while perf holds it", fx.open().delete(name), "EBUSY");
  if (perf.ok) perf.value[Symbol.dispose]();
  t.expect("delete once perf closed", fx.open().delete(name), { ok: true, value: 0 });
});

rule("UD-DEL-005", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const a = fx.open();
  const b = fx.open();
  t.expect("register from file a", a.register(name).ok, true);
  t.expect("register from file b", b.register(name).ok, true);
  a.close();
  t.expect("delete with b still open", fx.open().delete(name), "EBUSY");
  b.close();
  t.expect("delete after the last close", fx.open().delete(name), { ok: true, value: 0 });
  t.expect("tracefs event removed", fx.tracefs.hasEvent(name), false);
  t.expect("delete again", fx.open().delete(name), "ENOENT");
});

rule("UD-DEL-006", (t) => {
  using fx = new Fixture();
  const first = fx.name();
  const f = fx.open();
  const r = f.register(first);
  t.expect("register", r.ok, true);
  f.close();
  t.expect("delete", fx.open().delete(first), { ok: true, value: 0 });
  // The freed index is the lowest free one, so the next new name takes it.
  const again = fx.open().register(fx.name());
  t.expect("next new name reuses the index", again, r);
});

rule("UD-DEL-007", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  t.expect("NULL", sysIoctl(f.fd, DIAG_IOCSDEL, 0n), "EFAULT");
  t.expect("96-byte name", f.delete("d".repeat(MAX_NAME_BYTES + 1)), "EINVAL");
  using g = new GuardedBytes(new TextEncoder().encode("abc"));
  t.expect("unterminated, then unmapped", f.delete(g.address), "EFAULT");
});
