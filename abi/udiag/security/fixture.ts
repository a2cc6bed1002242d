/**
 * The udiag security fixture: `check()` registers one udiag check
 * (security/check_context.ts), and `deviceMode()` sets /dev/udiag's mode and
 * group as a udev rule would.
 *
 * @module
 */
import { deviceExists } from "../device.ts";
import { DEVICE_PATH } from "../abi.ts";
import { checkTests, fileMode } from "../../../security/check_context.ts";
import { UDIAG_CHECKS } from "./catalog.ts";
import { openUdiagCanary } from "../health.ts";

export type { SecurityContext } from "../../../security/check_context.ts";

/** Registers the test of one udiag check; skipped where the device is absent. */
export const check = checkTests({
  checks: UDIAG_CHECKS,
  absent: () => deviceExists(DEVICE_PATH) ? null : `${DEVICE_PATH} absent`,
  canary: () => openUdiagCanary(DEVICE_PATH),
});

/** Sets /dev/udiag's mode and group; the old ones come back at the end (`using`). */
export function deviceMode(mode: number, gid = 0): Disposable {
  return fileMode(DEVICE_PATH, mode, gid);
}
