/**
 * udiag's canary for the health oracle (harness/health): an event of its own,
 * registered on a file of its own for one probe and deleted after it.
 *
 * @module
 */
import type { SysResult } from "../../harness/errno.ts";
import { pollSync } from "../../harness/poll.ts";
import type { HealthCanary } from "../../harness/health/probe.ts";
import { UdiagFile } from "./device.ts";
import { DIAG_SYSTEM } from "./abi.ts";

/** The canary event's name (`udiag/udiag_fuzz_health`). */
export const CANARY_NAME = "udiag_fuzz_health";

/** How long a delete is retried while a tracer that let go still answers EBUSY. */
const DELETE_MS = 1000;

/** Registers the canary on a new file of `device`; its errno when the device refuses. */
export function openUdiagCanary(device = "/dev/udiag"): SysResult<HealthCanary> {
  const f = UdiagFile.open(device);
  if (!f.ok) return f;
  const file = f.value;
  const r = file.register(CANARY_NAME);
  if (!r.ok) {
    file.close();
    return r;
  }
  return {
    ok: true,
    value: {
      event: `${DIAG_SYSTEM}/${CANARY_NAME}`,
      write: (payload) => file.write(payload),
      remove() {
        file.close(); // the event is in use while a file holds it
        const ctl = UdiagFile.open(device);
        if (!ctl.ok) return ctl;
        try {
          let d = ctl.value.delete(CANARY_NAME);
          pollSync(() => {
            if (d.ok || d.errno !== "EBUSY") return true;
            d = ctl.value.delete(CANARY_NAME);
            return false;
          }, DELETE_MS);
          return d;
        } finally {
          ctl.value.close();
        }
      },
    },
  };
}
