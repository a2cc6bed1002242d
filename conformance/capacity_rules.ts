/** Conformance: how many events fit, the error after, and recovery. */
import { Fixture, rule } from "./fixture.ts";
import { capacity } from "../harness/abi.ts";
import { pageSize } from "../harness/syscall.ts";

/** Fills every free index with new events; returns name → index. */
function fill(fx: Fixture, t: { note(w: string, v: number): void }): Map<string, number> {
  const made = new Map<string, number>();
  for (;;) {
    const name = fx.name("cap");
    const f = fx.open();
    const r = f.register(name);
    f.close();
    if (!r.ok) {
      t.note("first failing register after", made.size);
      break;
    }
    made.set(name, r.value);
    if (made.size > capacity(pageSize())) break; // more than fits: stop, the rule failed
  }
  return made;
}

rule("UD-CAP-001", (t) => {
  using fx = new Fixture();
  // Events of other tests are deleted by their fixtures, so the page starts empty.
  const made = fill(fx, t);
  t.expect("events registered", made.size, capacity(pageSize()));
  const indexes = [...made.values()].sort((a, b) => a - b);
  t.expect(
    "indexes are 1..PAGE_SIZE-1",
    `${indexes[0]}..${indexes.at(-1)}`,
    `1..${capacity(pageSize())}`,
  );
  t.expect("one more", fx.open().register(fx.name("cap")), "EMFILE");
});

rule("UD-CAP-002", (t) => {
  using fx = new Fixture();
  const made = fill(fx, t);
  t.expect("full", made.size, capacity(pageSize()));
  const [victim, index] = [...made.entries()][100]!;
  t.expect("delete one at capacity", fx.open().delete(victim), { ok: true, value: 0 });
  t.expect("a new name fits and reuses its index", fx.open().register(fx.name("cap")), {
    ok: true,
    value: index,
  });
  t.expect("then full again", fx.open().register(fx.name("cap")), "EMFILE");
});
