/** Conformance: how many events fit, the error after, and recovery. */
import { Fixture, rule } from "./fixture.ts";
import { capacity } from "../abi.ts";
import { pageSize } from "../../../harness/syscall.ts";

/** Fills every free index with new events; returns name → index. */
function fill(fx: Fixture, t: { note(w: string, v: string | number): void }): Map<string, number> {
  const made = new Map<string, number>();
  for (;;) {
    const name = fx.name("cap");
    const r = fx.registerClosed(name);
    if (!r.ok) {
      t.note(`register #${made.size + 1} failed with`, r.errno);
      break;
    }
    made.set(name, r.value);
    if (made.size > capacity(pageSize())) break; // more than fits: stop, the rule failed
  }
  return made;
}

/** Events that exist before a capacity rule starts: left by earlier rules, or leaked. */
function preexisting(fx: Fixture, t: { note(w: string, v: string | number): void }): number {
  const names = fx.tracefs.events();
  t.note("udiag events present before filling", names.length ? names.join(" ") : "none");
  return names.length;
}

rule("UD-CAP-001", (t) => {
  using fx = new Fixture();
  // Other rules delete what they make, so this is normally 0; a target that
  // leaks events shows them here, and they take their share of the page.
  const before = preexisting(fx, t);
  const made = fill(fx, t);
  t.expect(
    "events registered (capacity - events present before)",
    made.size + before,
    capacity(pageSize()),
  );
  const indexes = [...made.values()].sort((a, b) => a - b);
  t.expect(
    "indexes are distinct and within 1..PAGE_SIZE-1",
    new Set(indexes).size === indexes.length && indexes[0]! >= 1 &&
      indexes.at(-1)! <= capacity(pageSize()),
    true,
  );
  t.expect("one more", fx.open().register(fx.name("cap")), "EMFILE");
});

rule("UD-CAP-002", (t) => {
  using fx = new Fixture();
  const before = preexisting(fx, t);
  const made = fill(fx, t);
  t.expect("full (capacity - events present before)", made.size + before, capacity(pageSize()));
  const [victim, index] = [...made.entries()][100]!;
  t.expect("delete one at capacity", fx.open().delete(victim), { ok: true, value: 0 });
  t.expect("a new name fits and reuses its index", fx.open().register(fx.name("cap")), {
    ok: true,
    value: index,
  });
  t.expect("then full again", fx.open().register(fx.name("cap")), "EMFILE");
});
