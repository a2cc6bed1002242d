/**
 * The guest's result channel: line-framed JSON on the virtio-serial port the
 * runner names in `$UDIAG_RESULTS`, never mixed with the kernel console.
 *
 * @module
 */

let port: Deno.FsFile | null | undefined;

/** Sends one result record to the host; returns false when there is no channel (a host run). */
export function sendResult(record: { event: string } & Record<string, unknown>): boolean {
  if (port === undefined) {
    const path = Deno.env.get("UDIAG_RESULTS");
    port = null;
    if (path) {
      try {
        port = Deno.openSync(path, { write: true });
      } catch {
        port = null;
      }
    }
  }
  // The virtio port takes at most 32 KiB per write: loop, or a long record is torn.
  const bytes = new TextEncoder().encode(JSON.stringify(record) + "\n");
  for (let at = 0; port && at < bytes.length;) at += port.writeSync(bytes.subarray(at));
  return port !== null;
}

/** True when running inside the udiag-fuzz guest. */
export function inGuest(): boolean {
  return Deno.env.get("UDIAG_GUEST") === "1";
}
