import assert from "node:assert/strict";
import { enableLoop } from "./reg_enable_worker.ts";

/** Stops after `n` checks; counts whether `ready` came first. */
function stopAfter(n: number) {
  let checks = 0;
  let ready = false;
  return {
    stopped: () => ++checks > n,
    ready: () => void (ready = true),
    wasReady: () => ready,
  };
}

Deno.test("enableLoop(): counts its writes, none failed, after saying ready", () => {
  const s = stopAfter(5);
  assert.deepEqual(enableLoop("/dev/null", s.stopped, s.ready), {
    kind: "done",
    writes: 5,
    failures: {},
  });
  assert.equal(s.wasReady(), true);
});

Deno.test("enableLoop(): tallies each failed write by its errno", () => {
  const s = stopAfter(3);
  assert.deepEqual(enableLoop("/dev/full", s.stopped, s.ready), {
    kind: "done",
    writes: 3,
    failures: { ENOSPC: 3 },
  });
});

Deno.test("enableLoop(): a file it cannot open is said, and it is not ready", () => {
  const s = stopAfter(3);
  assert.deepEqual(enableLoop("/nonexistent/enable", s.stopped, s.ready), {
    kind: "failed",
    open: "ENOENT",
  });
  assert.equal(s.wasReady(), false);
});

Deno.test("reg_enable_worker.ts as a Worker: ready, then its tally once stopped", async () => {
  const w = new Worker(new URL("./reg_enable_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const stop = new SharedArrayBuffer(4);
  const heard: { kind: string; writes?: number }[] = [];
  const ended = new Promise<void>((resolve) => {
    w.onmessage = (e) => {
      heard.push(e.data);
      if (e.data.kind === "ready") Atomics.store(new Int32Array(stop), 0, 1);
      else resolve();
    };
  });
  w.postMessage({ path: "/dev/null", stop });
  // A Worker that never answers fails the test instead of hanging it.
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([ended, new Promise((r) => timer = setTimeout(r, 30_000))]);
  clearTimeout(timer);
  w.terminate();
  assert.deepEqual(heard.map((m) => m.kind), ["ready", "done"]);
});
