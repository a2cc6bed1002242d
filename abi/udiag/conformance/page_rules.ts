/** Conformance: the shared enable page (mmap, mprotect, contents). */
import { Fixture, rule } from "./fixture.ts";
import { MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from "../../../harness/libc.ts";
import { pageSize } from "../../../harness/syscall.ts";
import type { SysResult } from "../../../harness/errno.ts";

const mapped = { ok: true as const, value: "mapped" };
/** A mapping result as evidence: its address varies, so only "mapped" or the errno. */
function asMapped(r: SysResult<unknown>): SysResult<string> {
  return r.ok ? mapped : r;
}

rule("UD-MM-001", (t) => {
  using fx = new Fixture();
  const r = fx.open().mapPage();
  t.expect("mmap(4096, PROT_READ, MAP_SHARED, 0)", asMapped(r), mapped);
  if (r.ok) {
    t.expect("reserved index 0 reads 0", r.value.byte(0), 0);
    r.value.unmap();
  }
});

rule("UD-MM-002", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  t.expect("two pages", asMapped(f.mapPage({ length: 2 * pageSize() })), "EFAULT");
  t.expect("64 pages", asMapped(f.mapPage({ length: 64 * pageSize() })), "EFAULT");
});

rule("UD-MM-003", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  t.expect(
    "PROT_READ|PROT_WRITE, MAP_SHARED",
    asMapped(f.mapPage({ prot: PROT_READ | PROT_WRITE, flags: MAP_SHARED })),
    "EPERM",
  );
  t.expect(
    "PROT_READ|PROT_WRITE, MAP_PRIVATE",
    asMapped(f.mapPage({ prot: PROT_READ | PROT_WRITE, flags: MAP_PRIVATE })),
    "EPERM",
  );
});

rule("UD-MM-004", (t) => {
  using fx = new Fixture();
  for (const flags of [MAP_SHARED, MAP_PRIVATE]) {
    const r = fx.open().mapPage({ flags });
    t.expect(`mmap read-only, flags=${flags}`, asMapped(r), mapped);
    if (!r.ok) continue;
    t.expect("mprotect(PROT_READ|PROT_WRITE)", r.value.protect(PROT_READ | PROT_WRITE), "EACCES");
    r.value.unmap();
  }
});

rule("UD-MM-005", (t) => {
  using fx = new Fixture();
  t.expect("offset 4096", asMapped(fx.open().mapPage({ offset: pageSize() })), "EINVAL");
});

rule("UD-MM-006", (t) => {
  using fx = new Fixture();
  const traced = fx.name();
  const quiet = fx.name();
  const a = fx.open();
  const b = fx.open();
  const ia = a.register(traced);
  const ib = b.register(quiet);
  t.expect("register traced", ia.ok, true);
  t.expect("register quiet", ib.ok, true);
  t.expect("enable traced", fx.trace(traced), { ok: true, value: 1 });
  const r = a.mapPage();
  t.expect("mmap", asMapped(r), mapped);
  if (!r.ok || !ia.ok || !ib.ok) return;
  const page = r.value.bytes();
  const flags = new Uint8Array(page.length);
  flags[ia.value] = 1;
  if (page.some((v, i) => v !== flags[i])) t.judge("the enable page", flags);
  r.value.unmap();
  t.expect("byte of the traced event", page[ia.value]!, 1);
  t.expect("byte of the registered, untraced event", page[ib.value]!, 0);
  // Other tests' events are never traced while this one runs (tests run serially).
  const stray = [...page.entries()].filter(([i, v]) => v !== 0 && i !== ia.value);
  t.expect(
    "other non-zero bytes (index=value)",
    stray.map(([i, v]) => `${i}=${v}`).join(",") || "none",
    "none",
  );
});
