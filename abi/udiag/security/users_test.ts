import assert from "node:assert/strict";
import { Actor, ActorError, lines } from "./users.ts";

Deno.test("lines(): splits a byte stream on newlines across chunks", async () => {
  const enc = new TextEncoder();
  const s = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode("a\nb"));
      c.enqueue(enc.encode("c\nd\n"));
      c.close();
    },
  });
  const got: string[] = [];
  for await (const l of lines(s)) got.push(l);
  assert.deepEqual(got, ["a", "bc", "d"]);
});

Deno.test("Actor: a process of a user answers requests with the kernel's answers as values", async () => {
  const self = { name: "self", uid: Deno.uid()!, gid: Deno.gid()! };
  await using a = await Actor.start(self);
  assert.deepEqual(await a.call({ op: "whoami" }), { uid: self.uid, gid: self.gid });
  const missing = await a.sys({ op: "openPath", path: "/nonexistent/udiag", write: false });
  assert.deepEqual(missing, { ok: false, errno: "ENOENT" });
  await assert.rejects(() => a.call({ op: "close", h: 99 }), ActorError);
});
