/** Security: who may open the device, and what being admitted grants. */
import { check, deviceMode } from "./fixture.ts";
import { Actor, ALICE, EVE, UDIAG_GID } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { TRACEFS } from "../../../harness/tracefs.ts";

check("SEC-ACC-001", async (t) => {
  {
    // udev: KERNEL=="udiag", GROUP="udiag", MODE="0660"
    using _mode = deviceMode(0o660, UDIAG_GID);
    await using eve = await Actor.start(EVE);
    await using alice = await Actor.start(ALICE);
    const admitted = await alice.open();
    t.saw("mode 0660 group udiag: alice (member) opens O_RDWR", admitted);
    if (!admitted.ok) throw new Error(`the rule does not admit alice: ${admitted.errno}`);
    for (const readOnly of [false, true]) {
      const r = await eve.open(readOnly);
      t.saw(
        `mode 0660 group udiag: eve (not a member) opens ${readOnly ? "O_RDONLY" : "O_RDWR"}`,
        r,
      );
      if (r.ok) t.exposed(`eve opened the device ${readOnly ? "read-only" : "read-write"}`);
    }
  }
  using _mode = deviceMode(0o600);
  await using alice = await Actor.start(ALICE);
  const r = await alice.open();
  t.saw("mode 0600 root: alice opens O_RDWR", r);
  if (r.ok) t.exposed("alice opened a root-only device");
});

check("SEC-ACC-002", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const name = fx.name("sec");
  await using alice = await Actor.start(ALICE);
  const h = await alice.open();
  if (!h.ok) throw new Error(`mode 0666: alice cannot open: ${h.errno}`);
  const reg = await alice.register(h.value, name);
  t.saw(`alice registers ${name}`, reg);
  if (!reg.ok) throw new Error(`alice cannot register: ${reg.errno}`);
  for (const file of ["enable", "filter", "trigger"]) {
    const path = `${TRACEFS}/events/udiag/${name}/${file}`;
    const w = await alice.sys({ op: "openPath", path, write: true });
    t.saw(`alice opens ${path} for writing`, w);
    if (w.ok) t.exposed(`alice can write ${file} of her event in tracefs`);
  }
  const pw = await alice.sys({ op: "openPath", path: `${TRACEFS}/trace_pipe`, write: false });
  t.saw("alice opens trace_pipe (every event's records)", pw);
  if (pw.ok) t.exposed("alice can read the trace buffer");
  await alice.close(h.value);
});
