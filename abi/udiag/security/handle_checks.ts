/** Security: device handles passed to another process, used after their owner let go. */
import { check, deviceMode, type SecurityContext } from "./fixture.ts";
import { Actor, EVE, MALLORY } from "./users.ts";
import { Fixture } from "../conformance/fixture.ts";
import { UdiagFile } from "../device.ts";
import { DEVICE_PATH } from "../abi.ts";
import { O_RDWR } from "../../../harness/libc.ts";
import { sendFd } from "../../../harness/fdpass.ts";

/**
 * The owner (root) closes its handle and tries to delete the event while
 * `holder` still has one: EBUSY is the answer; then the holder writes and
 * closes, and the delete goes through.
 */
async function ownerLetsGo(
  t: SecurityContext,
  fx: Fixture,
  owner: UdiagFile,
  name: string,
  holder: Actor,
  h: number,
): Promise<void> {
  t.saw(`${holder.user.name} writes through the passed handle`, await holder.write(h, "passed"));
  t.saw("root closes its own handle", owner.close());
  const ctl = fx.open();
  const del = ctl.delete(name);
  t.saw(`root deletes ${name} while ${holder.user.name} holds it`, del);
  if (del.ok) t.exposed(`the event was deleted while ${holder.user.name}'s handle held it`);
  // If it was deleted, this write and close touch a freed event (KASAN).
  t.saw(`${holder.user.name} writes after the owner let go`, await holder.write(h, "after"));
  t.saw(`${holder.user.name} closes`, await holder.close(h));
  const last = ctl.delete(name);
  t.saw(`root deletes ${name} after the last handle closed`, last);
}

check("SEC-HD-001", async (t) => {
  using fx = new Fixture();
  using _mode = deviceMode(0o666);
  const name = fx.name("sec");
  // Without O_CLOEXEC: the descriptor survives fork and exec into mallory's process.
  const opened = UdiagFile.open(DEVICE_PATH, O_RDWR);
  if (!opened.ok) throw new Error(`root cannot open: ${opened.errno}`);
  using owner = opened.value;
  const reg = owner.register(name);
  if (!reg.ok) throw new Error(`root cannot register: ${reg.errno}`);
  await using mallory = await Actor.start(MALLORY);
  const h = await mallory.sys({ op: "adopt", fd: owner.fd });
  if (!h.ok) throw new Error(`mallory cannot adopt fd ${owner.fd}`);
  const probe = await mallory.write(h.value, "x");
  if (!probe.ok && probe.errno === "EBADF") {
    throw new Error(`fd ${owner.fd} was not inherited by mallory's process`);
  }
  await ownerLetsGo(t, fx, owner, name, mallory, h.value);
});

check("SEC-HD-002", async (t) => {
  using fx = new Fixture();
  // Eve is outside the device's group: she cannot open it herself.
  using _mode = deviceMode(0o600);
  const name = fx.name("sec");
  await using eve = await Actor.start(EVE);
  t.saw("eve opens the device herself", await eve.open());
  const path = `${Deno.env.get("TMPDIR") ?? "/tmp"}/sec-${EVE.uid}/fd.sock`;
  await Deno.remove(path).catch(() => {});
  const bound = await eve.sys({ op: "bind", path });
  if (!bound.ok) throw new Error(`eve cannot bind ${path}: ${bound.errno}`);
  const owner = fx.open();
  const reg = owner.register(name);
  if (!reg.ok) throw new Error(`root cannot register: ${reg.errno}`);
  t.saw("root sends its handle to eve (SCM_RIGHTS)", sendFd(path, owner.fd));
  const h = await eve.sys({ op: "recv" });
  if (!h.ok) throw new Error(`eve received no handle: ${h.errno}`);
  await ownerLetsGo(t, fx, owner, name, eve, h.value);
});
