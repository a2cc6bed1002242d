/** Conformance: DIAG_IOCSDEL, holders (files, ftrace, perf), index reuse. */
import { Fixture, rule } from "./fixture.ts";
import { GuardedBytes, sysIoctl } from "../../../harness/syscall.ts";
import { DIAG_IOCSDEL, MAX_NAME_BYTES } from "../abi.ts";
import { openTracepointPerf } from "./perf_fixture.ts";
import { DEVICE } from "./fixture.ts";
import { heard, nextMessage } from "./worker_message.ts";
import type { DelRaceMessage, DelRaceStart } from "./del_race_worker.ts";

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

const DEL_RACE_WORKER = new URL("./del_race_worker.ts", import.meta.url).href;
const DEL_RACE_NAMES = 4;
const DEL_RACE_MS = 3000;
// Workers load their modules in a TCG guest: allow for a slow start.
const DEL_RACE_READY_MS = 120_000;
const DEL_RACE_DONE_MS = 60_000;

/** The answers of `m` not in `allowed`, sorted; "none" when all are. */
function unexpected(m: Extract<DelRaceMessage, { kind: "done" }>, allowed: readonly string[]) {
  return Object.keys(m.answers).filter((a) => !allowed.includes(a)).sort().join(", ") || "none";
}

rule("UD-DEL-008", async (t) => {
  using fx = new Fixture();
  const names = Array.from({ length: DEL_RACE_NAMES }, () => fx.name("dr"));
  const stop = new SharedArrayBuffer(4);
  // One thread registers, two delete: a delete can meet a registration and
  // another delete of the same event.
  const roles = ["register", "delete", "delete"] as const;
  const workers = roles.map(() => new Worker(DEL_RACE_WORKER, { type: "module" }));
  try {
    const ready = workers.map((w) => nextMessage<DelRaceMessage>(w, DEL_RACE_READY_MS));
    workers.forEach((w, i) =>
      w.postMessage({ role: roles[i]!, device: DEVICE, names, stop } satisfies DelRaceStart)
    );
    const first = await Promise.all(ready);
    t.expect(
      "every thread ready",
      first.map(heard).join(", "),
      roles.map(() => "ready").join(", "),
    );
    if (first.some((m) => m.kind !== "ready")) return;
    const done = workers.map((w) => nextMessage<DelRaceMessage>(w, DEL_RACE_DONE_MS));
    await new Promise((r) => setTimeout(r, DEL_RACE_MS));
    Atomics.store(new Int32Array(stop), 0, 1);
    const tallies = await Promise.all(done);
    t.expect(
      "every thread done",
      tallies.map(heard).join(", "),
      roles.map(() => "done").join(", "),
    );
    tallies.forEach((m, i) => {
      if (m.kind !== "done") return;
      // Counts vary from run to run: noted, not compared.
      for (const [a, n] of Object.entries(m.answers)) t.note(`${roles[i]} #${i}: ${a}`, n);
      t.expect(
        roles[i] === "register"
          ? "DIAG_IOCSREG answers, deletes racing it, other than ok"
          : "DIAG_IOCSDEL answers, racing a register and a delete, other than ok, ENOENT, EBUSY",
        unexpected(m, roles[i] === "register" ? ["ok"] : ["ok", "ENOENT", "EBUSY"]),
        "none",
      );
    });
    // Afterwards each name is one event or none: a delete takes it away for
    // good, and it registers again afresh.
    const ctl = fx.open();
    for (const name of names) {
      const d = ctl.delete(name);
      t.expect(`"${name}" deleted after the race`, d.ok || d.errno === "ENOENT", true);
      t.expect(`"${name}" gone from tracefs`, fx.tracefs.hasEvent(name), false);
      const r = fx.registerClosed(name);
      t.expect(`"${name}" registered again: index >= 1`, r.ok && r.value >= 1, true);
    }
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
    for (const w of workers) w.terminate();
  }
});
