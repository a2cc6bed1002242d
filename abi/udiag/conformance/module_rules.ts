/**
 * Conformance: the module's own life cycle, on the kmod target (a loadable
 * module with an exit path). Unloading with events registered frees them and
 * a reload starts afresh (UD-MOD-001); under the faults profile, a load whose
 * late fault points fail one at a time (its init's allocations) fails with
 * ENOMEM and leaves nothing, or loads a module that works (UD-FI-004).
 *
 * Each rule loads the module again before it returns, whatever it saw: the
 * rules after it need the device.
 */
import { DEVICE, Fixture, rule } from "./fixture.ts";
import { deviceExists, UdiagFile } from "../device.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import {
  guestModulePath,
  loadModule,
  moduleLoaded,
  unloadModule,
} from "../../../harness/kmodule.ts";
import { COUNT_FAULT_POINTS, FailNth, withFault } from "../../../harness/faults/failnth.ts";
import { NR } from "../../../harness/rawsys.ts";

const MODULE = "udiag";

/**
 * Fault points counted back from a whole load's last: do_init_module() and
 * the module's init are the load's last allocations (a device, a class, a
 * char region, a page: a few dozen), and every earlier one is the module
 * loader's own.
 */
const LATE_FAULT_POINTS = 128;

/**
 * Sweeps of those fault points. A load reaches a fault point more now and
 * then (an allocation that refills a slab), which shifts the numbering of
 * the rest: one sweep once missed init's page allocation (mutant d78f487a
 * survived a run that its twin 063822d2 did not), and with three the third
 * caught it. Each sweep is a fresh draw of that noise.
 */
const PASSES = 6;

/** The guest's copy of udiag.ko; fails the rule when the guest has none. */
function modulePath(t: RuleContext): string | null {
  const path = guestModulePath(MODULE);
  t.expect("the guest's copy of udiag.ko (UDIAG_MODULES)", path !== null, true);
  return path;
}

/** Loads the module again if `fn` left it unloaded. */
function thenReload(t: RuleContext, path: string, fn: () => void): void {
  try {
    fn();
  } finally {
    if (!moduleLoaded(MODULE)) {
      t.expect("finit_module(udiag.ko) to end the rule", loadModule(path), { ok: true, value: 0 });
    }
  }
}

/** The module is gone: not listed, no device, no event of `names` left in tracefs. */
function expectGone(t: RuleContext, fx: Fixture, after: string, names: readonly string[]): void {
  t.expect(`udiag in /proc/modules after ${after}`, moduleLoaded(MODULE), false);
  t.expect(`${DEVICE} after ${after}`, deviceExists(DEVICE), false);
  for (const n of names) {
    t.expect(`events/udiag/${n} after ${after}`, fx.tracefs.hasEvent(n), false);
  }
}

/** A freshly loaded module works: a new name gets index 1 and deletes. */
function expectFresh(t: RuleContext, fx: Fixture, after: string): void {
  const name = fx.name();
  const f = UdiagFile.open(DEVICE);
  t.expect(`open ${DEVICE} after ${after}`, f.ok, true);
  if (!f.ok) return;
  t.expect(`DIAG_IOCSREG of a new name after ${after}`, f.value.register(name), {
    ok: true,
    value: 1,
  });
  f.value.close();
  const g = UdiagFile.open(DEVICE);
  if (!g.ok) return;
  t.expect(`DIAG_IOCSDEL of it after ${after}`, g.value.delete(name), { ok: true, value: 0 });
  g.value.close();
}

rule("UD-MOD-001", (t) => {
  const path = modulePath(t);
  if (path === null) return;
  using fx = new Fixture();
  const kept = [fx.name(), fx.name()];
  for (const n of kept) t.expect(`register ${n}`, fx.registerClosed(n).ok, true);
  // A tracer that came and went: each holds a module reference while it traces.
  t.expect(`enable ${kept[0]}`, fx.trace(kept[0]!), { ok: true, value: 1 });
  t.expect(`disable ${kept[0]}`, fx.trace(kept[0]!, false), { ok: true, value: 1 });
  thenReload(t, path, () => {
    const what = "delete_module(udiag) with 2 events registered, no file open, none traced";
    t.expect(what, unloadModule(MODULE), { ok: true, value: 0 });
    expectGone(t, fx, "the unload", kept);
    t.expect("finit_module(udiag.ko) again", loadModule(path), { ok: true, value: 0 });
  });
  // Nothing of the first load's events is left: the index numbering starts again.
  for (const n of kept) {
    t.expect(`events/udiag/${n} after the reload`, fx.tracefs.hasEvent(n), false);
  }
  expectFresh(t, fx, "the reload");
});

rule("UD-FI-004", (t) => {
  const path = modulePath(t);
  if (path === null) return;
  using fx = new Fixture();
  using fnth = FailNth.forRule();
  const load = () => loadModule(path);
  thenReload(t, path, () => {
    t.expect("delete_module(udiag) before the faulted loads", unloadModule(MODULE), {
      ok: true,
      value: 0,
    });
    const whole = withFault(fnth, NR.finit_module, COUNT_FAULT_POINTS, load);
    t.expect("a load with no fault injected", whole.value, { ok: true, value: 0 });
    const points = COUNT_FAULT_POINTS - whole.left;
    t.note("fault points of a whole load", points);
    t.expect("unload after it", unloadModule(MODULE), { ok: true, value: 0 });
    let failed = 0;
    for (let pass = 1; pass <= PASSES; pass++) {
      for (let nth = Math.max(1, points - LATE_FAULT_POINTS + 1); nth <= points; nth++) {
        const out = withFault(fnth, NR.finit_module, nth, load);
        const what = out.injected
          ? `a load whose fault point ${nth} of ${points} failed (pass ${pass})`
          : `a load past its last fault point (${
            nth - out.left
          } of the armed ${nth}, pass ${pass})`;
        if (out.value.ok) {
          // Past its last fault point, or past one the kernel absorbs: a
          // module that loaded must work as a fresh one does.
          expectFresh(t, fx, what);
          t.expect(`unload after ${what}`, unloadModule(MODULE), { ok: true, value: 0 });
          continue;
        }
        failed++;
        // The loader's own copies fail with EFAULT, allocations with ENOMEM;
        // an init that fails must clean up and say which.
        const got = out.value.errno;
        t.expect(
          `finit_module, ${what}`,
          /^E(NOMEM|FAULT)$/.test(got) ? "ENOMEM or EFAULT" : got,
          "ENOMEM or EFAULT",
        );
        expectGone(t, fx, what, []);
      }
    }
    t.expect("faulted loads that failed (at least 1)", failed >= 1, true);
  });
  expectFresh(t, fx, "the faulted loads");
});
