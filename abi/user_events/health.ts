/**
 * user_events' canary for the health oracle (harness/health): an event of its
 * own (`user_events/udiag_fuzz_health`), registered with an enable bit in our
 * own memory on a file of its own for one probe, and deleted after it.
 *
 * The event has one static field, `char[32] msg`: the probe's payload goes
 * there NUL-padded, so the ftrace record carries it verbatim right after the
 * common fields. A static array has no validator (only `__data_loc` and
 * `__rel_loc` fields do, U:1148-1160), so the canary takes the plainest
 * write path and does not trip over what a case may have done to validation.
 *
 * @module
 */
import { ok, type SysResult } from "../../harness/errno.ts";
import type { HealthCanary } from "../../harness/health/probe.ts";
import { USER_EVENTS_SYSTEM, WRITE_INDEX_SIZE } from "./abi.ts";
import { EnableWord, UserEventsFile } from "./client.ts";
import { deleteSettled } from "./fuzz/real.ts";

/** The canary event's name (`user_events/udiag_fuzz_health`). */
export const CANARY_NAME = "udiag_fuzz_health";

/** The size of the canary's one field: the longest payload it carries. */
export const CANARY_MSG_SIZE = 32;

/** `NAME [FIELDS]` the canary registers (user_events.rst, "Field Format"). */
export const CANARY_NAME_ARGS = `${CANARY_NAME} char[${CANARY_MSG_SIZE}] msg`;

/** The enable bit the canary registers in its own word (ours to choose: the word is the canary's). */
const CANARY_ENABLE_BIT = 0;

/**
 * The canary's `msg` field holding `payload`, NUL-padded to the field's size:
 * the kernel refuses a write shorter than the fields (`min_size`, U:2316).
 * Throws a RangeError for a payload that does not fit (the probe's payloads
 * are short tags; a longer one is the caller's bug, not the kernel's answer).
 *
 * @example
 * ```ts
 * import { canaryFrame } from "./health.ts";
 * const f = canaryFrame(new TextEncoder().encode("hi"));
 * if (f.length !== 32 || f[0] !== 0x68 || f[1] !== 0x69 || f[2] !== 0) throw new Error();
 * ```
 */
export function canaryFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > CANARY_MSG_SIZE) {
    throw new RangeError(
      `A canary payload of ${payload.length} bytes does not fit char[${CANARY_MSG_SIZE}]`,
    );
  }
  const frame = new Uint8Array(CANARY_MSG_SIZE);
  frame.set(payload);
  return frame;
}

/**
 * The payload bytes a canary write wrote, from the count the kernel returned.
 * user_events returns the whole write, the 4-byte index and the field's
 * padding included (`ret = i->count` before the index is consumed, U:2290),
 * while the probe compares with the payload's length: the framing is taken
 * off, so a full write is `payloadLength` and any other count differs from it
 * (a short write shows, below zero when it ended inside the framing).
 *
 * @example
 * ```ts
 * import { payloadCount } from "./health.ts";
 * if (payloadCount(36, 32, 11) !== 11 || payloadCount(30, 32, 11) !== 5) throw new Error();
 * ```
 */
export function payloadCount(written: number, frameLength: number, payloadLength: number): number {
  return written - (WRITE_INDEX_SIZE + frameLength - payloadLength);
}

/** Registers the canary on a new `user_events_data` file; the errno when the kernel refuses. */
export function openUserEventsCanary(): SysResult<HealthCanary> {
  const f = UserEventsFile.open();
  if (!f.ok) return f;
  const file = f.value;
  // Kept alive by the closures below: the kernel writes the bit into it.
  const word = new EnableWord();
  const r = file.register({
    nameArgs: CANARY_NAME_ARGS,
    enableAddr: word,
    enableBit: CANARY_ENABLE_BIT,
  });
  if (!r.ok) {
    file.close();
    return r;
  }
  const index = r.value;
  return ok({
    event: `${USER_EVENTS_SYSTEM}/${CANARY_NAME}`,
    write(payload) {
      const frame = canaryFrame(payload);
      const w = file.write(index, frame);
      return w.ok ? ok(payloadCount(w.value, frame.length, payload.length)) : w;
    },
    remove() {
      // The enabler and the file's reference each keep the event in use
      // (EBUSY); an unregister that fails shows as the delete's EBUSY.
      file.unregister(word, CANARY_ENABLE_BIT);
      file.close();
      const ctl = UserEventsFile.open();
      if (!ctl.ok) return ctl;
      try {
        const d = deleteSettled(ctl.value, CANARY_NAME);
        // With its last reference gone a non-persistent event auto-deletes
        // in a work item (U:265-338): ENOENT means it went before we asked.
        return !d.ok && d.errno === "ENOENT" ? ok(0) : d;
      } finally {
        ctl.value.close();
      }
    },
  });
}
