/**
 * One thread of UD-DEL-008, run as a Worker of the rule's process so that
 * its calls overlap the other threads' on another CPU: a `register` thread
 * registers each name on a file of its own and closes the file (the event
 * stays, held by nothing); a `delete` thread deletes each name. Each goes
 * round the names until the rule sets the stop flag, then posts what its
 * calls answered.
 *
 * @module
 */
import { UdiagFile } from "../device.ts";
import { showResult } from "../../../harness/errno.ts";
import { serveLoop } from "./worker_message.ts";

/** What the rule sends to start a thread. */
export interface DelRaceStart {
  readonly role: "register" | "delete";
  readonly device: string;
  readonly names: readonly string[];
  /** Int32Array over it: [0] is set to 1 to stop. */
  readonly stop: SharedArrayBuffer;
}

/** What a thread posts: `ready` (or why not), then each answer and how often. */
export type DelRaceMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "failed"; readonly open: string }
  | { readonly kind: "done"; readonly calls: number; readonly answers: Record<string, number> };

/** A register answer without its index: which index a name gets is not the point here. */
function shown(r: ReturnType<UdiagFile["register"]>): string {
  return r.ok ? "ok" : showResult(r);
}

/** The loop, apart from the Worker's messages (so that it runs under test). */
export function delRaceLoop(
  start: Omit<DelRaceStart, "stop">,
  stopped: () => boolean,
  ready: () => void,
): DelRaceMessage {
  const ctl = UdiagFile.open(start.device);
  if (!ctl.ok) return { kind: "failed", open: showResult(ctl) };
  ready();
  const answers: Record<string, number> = {};
  let calls = 0;
  try {
    while (!stopped()) {
      for (const name of start.names) {
        let answer: string;
        if (start.role === "delete") {
          answer = shown(ctl.value.delete(name));
        } else {
          const f = UdiagFile.open(start.device);
          if (!f.ok) answer = `open ${showResult(f)}`;
          else {
            answer = shown(f.value.register(name));
            f.value.close();
          }
        }
        answers[answer] = (answers[answer] ?? 0) + 1;
        calls++;
      }
    }
  } finally {
    ctl.value.close();
  }
  return { kind: "done", calls, answers };
}

serveLoop<DelRaceStart, DelRaceMessage>(delRaceLoop);
