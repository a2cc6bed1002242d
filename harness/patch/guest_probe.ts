/**
 * A smoke probe of a patch target, run in the guest: open /dev/udiag,
 * register `probe_a`, read its enable byte through the mmap'd page, write
 * 5 bytes, delete; then (beyond the basic check) trace the event once and
 * delete after close. Prints each call's result or errno, and marks each step
 * in /dev/kmsg so the console shows which call the kernel was answering.
 *
 * `deno run -A harness/patch/guest_probe.ts` (in the guest, as root).
 *
 * @module
 */
import { EnablePage, UdiagFile } from "../device.ts";
import type { SysResult } from "../errno.ts";
import { markCase } from "../kmsg.ts";
import { sendResult } from "../channel.ts";
import { Tracefs } from "../tracefs.ts";

const SUITE = "patch_probe";
const NAME = "probe_a";

/** Runs one probe step: marks it in /dev/kmsg, prints and sends its result. */
function step<T>(id: string, call: () => SysResult<T>): SysResult<T> {
  markCase(SUITE, id, "start");
  const r = call();
  const v = r.ok ? r.value : undefined;
  // A file or a mapping prints as what identifies it: fd, address.
  const shown = v instanceof UdiagFile
    ? `fd ${v.fd}`
    : v instanceof EnablePage
    ? `page 0x${v.mapping.address.toString(16)}`
    : String(v);
  const said = r.ok ? `ok ${shown}` : r.errno;
  console.log(`${id}: ${said}`);
  sendResult({ event: "probe", step: id, ok: r.ok, result: said });
  return r;
}

/** The enable byte of `index`, as a result (the page read itself cannot fail once mapped). */
function byteOf(page: { byte(i: number): number }, index: number): SysResult<number> {
  return { ok: true, value: page.byte(index) };
}

if (import.meta.main) {
  const payload = new TextEncoder().encode("hello");
  const opened = step("open", () => UdiagFile.open());
  if (!opened.ok) Deno.exit(1);
  const file = opened.value;
  const reg = step("register", () => file.register(NAME));
  const index = reg.ok ? reg.value : 0;
  const mapped = step("mmap", () => file.mapPage());
  if (mapped.ok) step(`enable_byte[${index}]`, () => byteOf(mapped.value, index));
  step("write", () => file.write(payload));
  // Per the ABI, the open file still holds the event.
  step("delete_while_open", () => file.delete(NAME));

  // Beyond the basic check: trace the event once, so the enable path runs.
  const tracefs = new Tracefs();
  console.log(`tracefs lists ${NAME}: ${tracefs.hasEvent(NAME)}`);
  if (tracefs.hasEvent(NAME)) {
    step("trace_clear", () => tracefs.clear());
    step("trace_enable", () => tracefs.setEnabled(NAME, true));
    if (mapped.ok) step(`enable_byte[${index}]_traced`, () => byteOf(mapped.value, index));
    step("write_traced", () => file.write(payload));
    step("trace_disable", () => tracefs.setEnabled(NAME, false));
    if (mapped.ok) step(`enable_byte[${index}]_untraced`, () => byteOf(mapped.value, index));
    const records = tracefs.readTrace().split("\n").filter((l) => l && !l.startsWith("#"));
    console.log(`trace records: ${JSON.stringify(records)}`);
  }
  if (mapped.ok) step("munmap", () => mapped.value.unmap());
  step("close", () => file.close());
  const again = step("reopen", () => UdiagFile.open());
  if (again.ok) {
    step("delete_after_close", () => again.value.delete(NAME));
    step("close_again", () => again.value.close());
  }
  markCase(SUITE, "done", "end");
}
