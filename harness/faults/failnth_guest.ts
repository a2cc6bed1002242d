/**
 * In the guest, on the `faults` kernel: registers one user event with its
 * N-th fault point failing, N = 1, 2, … until the call reaches fewer than N
 * fault points, and sends what each N gave (failnth_vm_test.ts judges it).
 * Cleans up after every N so that the next starts from nothing.
 *
 * @module
 */
import { sendResult } from "../channel.ts";
import { showResult } from "../errno.ts";
import { NR } from "../rawsys.ts";
import { FailNth, prepareFaultAttrs, withFault } from "./failnth.ts";
import { EnableWord, UserEventsFile } from "../../abi/user_events/client.ts";
import { deleteSettled } from "../../abi/user_events/fuzz/real.ts";

prepareFaultAttrs();
const f = FailNth.open();
if (!f.ok) throw new Error(`fail-nth: ${f.errno}`);
const word = new EnableWord();
const steps: { nth: number; result: string; injected: boolean; called: boolean }[] = [];
for (let nth = 1; nth <= 200; nth++) {
  const file = UserEventsFile.openOrThrow();
  const out = withFault(
    f.value,
    NR.ioctl,
    nth,
    () => file.register({ nameArgs: "fn0 u32 a", enableAddr: word, enableBit: 0 }),
  );
  steps.push({ nth, result: showResult(out.value), injected: out.injected, called: out.called });
  file.unregister(word, 0);
  file.close();
  // The last put is deferred: delete may say EBUSY for a moment.
  using ctl = UserEventsFile.openOrThrow();
  deleteSettled(ctl, "fn0");
  if (!out.injected) break;
}
sendResult({ event: "failnth", steps });
