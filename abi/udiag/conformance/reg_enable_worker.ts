/**
 * The tracer of UD-REG-012, run as a Worker of the rule's process so that it
 * enables events on another CPU while the rule registers them: it opens
 * `events/udiag/enable` once, says `ready`, and writes `1` to it in a loop
 * until the rule sets the stop flag; then it posts what the writes
 * answered.
 *
 * A write of `1` to a system's `enable` file enables, under event_mutex,
 * every event of the system not enabled yet, and fails with the first
 * error a class's reg() returned. The tracing core lists a new event (at the
 * head of the list this walks) before its directory is made, so the walk
 * reaches each new event from that moment on.
 *
 * @module
 */
import { sysClose, sysOpen, sysWrite } from "../../../harness/syscall.ts";
import { O_WRONLY } from "../../../harness/libc.ts";
import { showResult } from "../../../harness/errno.ts";
import { serveLoop } from "./worker_message.ts";

/** What the rule sends to start the worker. */
export interface EnableStart {
  /** The system's `enable` file. */
  readonly path: string;
  /** Int32Array over it: [0] is set to 1 to stop. */
  readonly stop: SharedArrayBuffer;
}

/** What the worker posts: `ready` (or why it is not), then its tally. */
export type EnableMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "failed"; readonly open: string }
  | {
    readonly kind: "done";
    readonly writes: number;
    /** Each answer other than success, shown as the suites show results, and how often. */
    readonly failures: Record<string, number>;
  };

/** The loop, apart from the Worker's messages (so that it runs under test). */
export function enableLoop(
  path: string,
  stopped: () => boolean,
  ready: () => void,
): EnableMessage {
  const fd = sysOpen(path, O_WRONLY);
  if (!fd.ok) return { kind: "failed", open: showResult(fd) };
  ready();
  const one = new TextEncoder().encode("1");
  const failures: Record<string, number> = {};
  let writes = 0;
  try {
    while (!stopped()) {
      const r = sysWrite(fd.value, one);
      writes++;
      if (!r.ok) failures[showResult(r)] = (failures[showResult(r)] ?? 0) + 1;
    }
  } finally {
    sysClose(fd.value);
  }
  return { kind: "done", writes, failures };
}

serveLoop<EnableStart, EnableMessage>((s, stopped, ready) => enableLoop(s.path, stopped, ready));
