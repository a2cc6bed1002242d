import assert from "node:assert/strict";
import { ActorError, UeActor } from "./users.ts";
import { actorHome } from "../../../security/actor.ts";
import { sendFd } from "../../../harness/fdpass.ts";
import {
  O_APPEND,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  PROT_READ,
  PROT_WRITE,
} from "../../../harness/libc.ts";
import { sysClose, sysOpen } from "../../../harness/syscall.ts";

// The actor as this user (no user_events needed): every op but the kernel's
// user_events answers, which only the VM gives.
Deno.test("UeActor: paths, mappings, a received descriptor, and harness errors", async () => {
  const self = { name: "self", uid: Deno.uid()!, gid: Deno.gid()! };
  const dir = await Deno.makeTempDir({ prefix: "ue-actor-test-" });
  try {
    await using a = await UeActor.start(self);
    assert.deepEqual(await a.call({ op: "whoami" }), { uid: self.uid, gid: self.gid });
    assert.deepEqual(await a.openPath("/nonexistent/user_events_data", O_RDONLY), {
      ok: false,
      errno: "ENOENT",
    });
    const file = `${dir}/cmd`;
    await Deno.writeTextFile(file, "");
    assert.deepEqual(await a.writePath(file, "u:x\n", O_WRONLY | O_APPEND), { ok: true, value: 4 });
    assert.equal(await Deno.readTextFile(file), "u:x\n");

    const m = await a.map(PROT_READ);
    assert.ok(m.ok);
    assert.deepEqual(await a.peek(m.value), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(await a.mapped(m.value), { ok: true, value: 0 });
    assert.deepEqual(await a.unmap(m.value), { ok: true, value: 0 });
    assert.deepEqual(await a.mapped(m.value), { ok: false, errno: "ENOMEM" });
    // guard: the address is held again by a no-access page, readable once revealed.
    const g = await a.map(PROT_READ | PROT_WRITE);
    assert.ok(g.ok);
    assert.deepEqual(await a.guard(g.value), { ok: true, value: 0 });
    assert.deepEqual(await a.mapped(g.value), { ok: true, value: 0 });
    assert.deepEqual(await a.reveal(g.value), { ok: true, value: 0 });
    assert.deepEqual(await a.peek(g.value), [0, 0, 0, 0, 0, 0, 0, 0]);

    const sock = `${actorHome(self)}/fd.sock`;
    await Deno.remove(sock).catch(() => {});
    assert.ok((await a.bind(sock)).ok);
    const fd = sysOpen("/dev/null", O_RDWR);
    assert.ok(fd.ok);
    assert.ok(sendFd(sock, fd.value).ok);
    sysClose(fd.value);
    const h = await a.recv();
    assert.ok(h.ok);
    // DIAG_IOCSREG on a file that is not user_events_data: the ioctl reaches /dev/null.
    const reg = await a.register(h.value, "x u32 a");
    assert.equal(reg.ok, false);
    assert.equal(typeof reg.w, "number");
    assert.equal(await a.bit(reg.w!, 0), false);
    assert.deepEqual(await a.register(h.value, "x", { at: { address: 0n } }), {
      ok: false,
      errno: "ENOTTY",
    });
    assert.deepEqual(await a.delete(h.value, "x"), { ok: false, errno: "ENOTTY" });
    assert.deepEqual(await a.writev(h.value, -1, new Uint8Array(4)), { ok: true, value: 8 });
    assert.deepEqual(await a.close(h.value), { ok: true, value: 0 });
    await assert.rejects(() => a.close(h.value), ActorError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
