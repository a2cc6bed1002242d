/**
 * The guest smoke check of the VM target: open /dev/udiag, register an
 * event, read its enable byte through mmap while tracefs toggles it, delete
 * it. Exits non-zero, naming the step, when the kernel answers otherwise.
 *
 * @module
 */
import { UdiagFile } from "./device.ts";
import { showResult, type SysResult } from "../../harness/errno.ts";
import { Tracefs } from "../../harness/tracefs.ts";
import { DIAG_SYSTEM } from "./abi.ts";
import { sendResult } from "../../harness/channel.ts";
import { markCase } from "../../harness/marks.ts";

const steps: { step: string; got: string; ok: boolean }[] = [];

function expect(step: string, r: SysResult<unknown> | number, want: string): void {
  const got = typeof r === "number" ? String(r) : showResult(r);
  steps.push({ step, got, ok: got === want });
  console.log(`${got === want ? "ok" : "not ok"} - ${step}: ${got} (want ${want})`);
}

markCase("smoke", "device", "start");
const f = UdiagFile.openOrThrow();
const index = f.register("smoke_event");
expect("register smoke_event", index.ok ? { ok: true, value: index.value >= 1 } : index, "ok true");
const page = f.mapPage();
expect("mmap the enable page", page.ok ? { ok: true, value: "mapped" } : page, "ok mapped");
if (index.ok && page.ok) {
  const t = new Tracefs(DIAG_SYSTEM);
  expect("enable byte before tracing", page.value.byte(index.value), "0");
  expect("enable udiag/smoke_event in tracefs", t.setEnabled("smoke_event", true), "ok 1");
  expect("enable byte while traced", page.value.byte(index.value), "1");
  expect("write a payload", f.write(new TextEncoder().encode("hello")), "ok 5");
  expect("delete while traced", f.delete("smoke_event"), "EBUSY");
  expect("disable in tracefs", t.setEnabled("smoke_event", false), "ok 1");
  expect("enable byte after tracing", page.value.byte(index.value), "0");
  page.value.unmap();
}
expect("delete while the file holds it", f.delete("smoke_event"), "EBUSY");
f.close();
const other = UdiagFile.openOrThrow();
expect("delete after close", other.delete("smoke_event"), "ok 0");
expect("delete again", other.delete("smoke_event"), "ENOENT");
other.close();
markCase("smoke", "device", "end");
const failed = steps.filter((s) => !s.ok).length;
sendResult({ event: "smoke", steps, failed });
Deno.exit(failed === 0 ? 0 : 1);
