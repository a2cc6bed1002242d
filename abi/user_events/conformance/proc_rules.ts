/**
 * Conformance: enablers across fork, CLONE_VM, exec and exit (NOTES.md §13),
 * watched through the `ue_proc` helper (helpers/ue_proc.c), which registers
 * `NAME u32 a` at bit 0 of a 32-bit word of its own and reports the word of
 * each of its processes while the rule turns tracing on and off in tracefs.
 */
import type { RuleContext } from "../../../conformance/rule_context.ts";
import { Fixture, rule } from "./fixture.ts";
import { UeProc } from "./ue_proc.ts";
import { USER_EVENT_REG_PERSIST } from "../abi.ts";

const ok = (value: unknown) => ({ ok: true as const, value });
const isOk = (r: { ok: boolean }) => r.ok;
const ENOENT = -2;

/** Turns tracing on or off and waits (bounded) for the helper's words to read `want`. */
async function traceUntil(
  t: RuleContext,
  fx: Fixture,
  p: UeProc,
  name: string,
  on: boolean,
  want: string,
): Promise<void> {
  t.expect(on ? "enable" : "disable", isOk(fx.trace(name, on)), true);
  const r = await p.until(want);
  if (r.ms > 0) t.note(`ms until "${want}"`, r.ms);
  t.expect(`words after ${on ? "enable" : "disable"}`, r.got, want);
}

// A forked child gets a copy of every enabler (kselftest abi_test forks).
rule("UE-FORK-001", async (t) => {
  using fx = new Fixture();
  const name = fx.name();
  await using p = await UeProc.start("fork", `${name} u32 a`);
  t.expect("register in the parent, then fork", p.registered.ret ?? "none", 0);
  t.expect("words before any enable", await p.settle(0), "parent 0, child 0");
  await traceUntil(t, fx, p, name, true, "parent 1, child 1");
  await traceUntil(t, fx, p, name, false, "parent 0, child 0");
  await traceUntil(t, fx, p, name, true, "parent 1, child 1");
  t.expect("DIAG_IOCSUNREG in the child", (await p.send("unreg-child")).ret ?? "none", 0);
  t.expect(
    "the child's unregister clears only the child's copy",
    await p.settle(),
    "parent 1, child 0",
  );
  await traceUntil(t, fx, p, name, false, "parent 0, child 0");
  t.expect("enable once more", isOk(fx.trace(name)), true);
  t.expect("the child's copy stays clear", await p.settle(), "parent 1, child 0");
  t.expect("the child exits", (await p.send("exit-child")).status ?? "none", 0);
  await traceUntil(t, fx, p, name, false, "parent 0");
  await traceUntil(t, fx, p, name, true, "parent 1");
  await traceUntil(t, fx, p, name, false, "parent 0");
});

// A CLONE_VM child shares the mm's one list of enablers (kselftest abi_test clones).
rule("UE-CLONE-001", async (t) => {
  using fx = new Fixture();
  const name = fx.name();
  await using p = await UeProc.start("clone", `${name} u32 a`);
  t.expect("register in the parent, then clone(CLONE_VM)", p.registered.ret ?? "none", 0);
  t.expect("words before any enable", await p.settle(0), "parent 0, child 0");
  await traceUntil(t, fx, p, name, true, "parent 1, child 1");
  await traceUntil(t, fx, p, name, false, "parent 0, child 0");
  await traceUntil(t, fx, p, name, true, "parent 1, child 1");
  t.expect("DIAG_IOCSUNREG in the child", (await p.send("unreg-child")).ret ?? "none", 0);
  t.expect("the child's unregister clears the shared word", await p.settle(), "parent 0, child 0");
  t.expect(
    "DIAG_IOCSUNREG in the parent finds no enabler left",
    (await p.send("unreg")).ret ?? "none",
    ENOENT,
  );
  const again = await p.send("reg");
  t.expect("DIAG_IOCSREG again in the parent", again.ret ?? "none", 0);
  t.expect("the new registration writes the enabled state", await p.settle(0), "parent 1, child 1");
  await traceUntil(t, fx, p, name, false, "parent 0, child 0");
  t.expect("the child exits", (await p.send("exit-child")).status ?? "none", 0);
  await traceUntil(t, fx, p, name, true, "parent 1");
  await traceUntil(t, fx, p, name, false, "parent 0");
});

// exec leaves the old image's enablers behind: nothing writes the new image's
// word at the same address, and the new image has none to unregister.
rule("UE-EXEC-001", async (t) => {
  using fx = new Fixture();
  const name = fx.name();
  await using p = await UeProc.start("exec", `${name} u32 a`);
  t.expect("register before exec", p.registered.ret ?? "none", 0);
  await traceUntil(t, fx, p, name, true, "parent 1");
  const img = await p.send("exec");
  t.expect("the new image maps its word at the same address", img.obs, "exec-ready");
  t.expect("the new image's word", img.parent?.toString(16) ?? "none", "5a5a5a5a");
  t.expect("disable", isOk(fx.trace(name, false)), true);
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("an enable leaves bit 0 of the new word clear", await p.settle(), "parent 5a5a5a5a");
  t.expect("set bit 0 by hand", (await p.send("set 5a5a5a5b")).parent ?? "none", 0x5a5a5a5b);
  t.expect("disable", isOk(fx.trace(name, false)), true);
  t.expect("a disable leaves bit 0 of the new word set", await p.settle(), "parent 5a5a5a5b");
  t.expect(
    "DIAG_IOCSUNREG of the old (address, bit) in the new image",
    (await p.send("unreg")).ret ?? "none",
    ENOENT,
  );
  t.expect("DIAG_IOCSREG of the same (address, bit)", (await p.send("reg")).ret ?? "none", 0);
  t.expect("the new registration clears the bit (disabled)", await p.settle(0), "parent 5a5a5a5a");
  await traceUntil(t, fx, p, name, true, "parent 5a5a5a5b");
});

// After the registering process exits, nothing of it holds the event: a
// non-persistent event is deleted by the kernel, a persistent one by
// DIAG_IOCSDEL, each within a bounded wait (the enablers go after an RCU
// grace period, U:812-864).
rule("UE-EXIT-001", async (t) => {
  using fx = new Fixture();
  const f = fx.open();
  for (const persist of [false, true]) {
    const kind = persist ? "PERSIST" : "non-persistent";
    const name = fx.name();
    const p = await UeProc.start("exit", `${name} u32 a`, {
      flags: persist ? USER_EVENT_REG_PERSIST : 0,
    });
    try {
      t.expect(`${kind}: register`, p.registered.ret ?? "none", 0);
      t.expect(`${kind}: event in tracefs`, fx.tracefs.hasEvent(name), true);
      t.expect(`${kind}: DIAG_IOCSDEL while the helper lives`, f.delete(name), "EBUSY");
      t.expect(`${kind}: the helper exits without unregister or close`, await p.exit(), 0);
    } finally {
      await p[Symbol.asyncDispose]();
    }
    if (!persist) {
      const gone = await Fixture.waitFor(() => !fx.tracefs.hasEvent(name));
      t.expect(`${kind}: event deleted by the kernel within 5 s`, gone, true);
      t.expect(`${kind}: DIAG_IOCSDEL after that`, f.delete(name), "ENOENT");
      continue;
    }
    const t0 = Date.now();
    let last = f.delete(name);
    await Fixture.waitFor(() => {
      if (!last.ok && last.errno === "EBUSY") last = f.delete(name);
      return last.ok || last.errno !== "EBUSY";
    });
    t.note(`${kind}: ms until DIAG_IOCSDEL stopped answering EBUSY`, Date.now() - t0);
    t.expect(`${kind}: DIAG_IOCSDEL within 5 s`, last, ok(0));
    t.expect(`${kind}: event gone`, fx.tracefs.hasEvent(name), false);
  }
});
