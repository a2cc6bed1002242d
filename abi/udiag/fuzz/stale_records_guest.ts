/**
 * Guest side of stale_records_vm_test.ts: what the raw campaign does before
 * a model case (an event traced and written, then deleted, its records never
 * drained), then a model case that registers the same name, traces it and
 * drains. The case must pass: the records are not its own. Sends
 * `{ event: "stale", ... }` on the results channel.
 *
 * @module
 */
import { UdiagFile } from "../device.ts";
import { DIAG_SYSTEM } from "../abi.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { sendResult } from "../../../harness/channel.ts";
import { ModelCampaign } from "./campaigns.ts";
import { POOL } from "./commands/names.ts";
import { OpenCmd } from "./commands/open_cmd.ts";
import { RegisterCmd } from "./commands/register_cmd.ts";
import { TraceCmd } from "./commands/trace_cmd.ts";
import { DrainCmd } from "./commands/drain_cmd.ts";

/** Leaves `n` records of event `name` in the ftrace buffer, and the event deleted. */
function leaveRecords(name: string, n: number): number {
  const tracefs = new Tracefs(DIAG_SYSTEM);
  using f = UdiagFile.openOrThrow();
  const r = f.register(name);
  if (!r.ok) throw new Error(`register ${name}: ${r.errno}`);
  const id = tracefs.eventId(name);
  tracefs.setEnabled(name, true);
  for (let i = 0; i < n; i++) f.write(new Uint8Array([0xee, i, 3]));
  tracefs.setEnabled(name, false);
  f.close();
  using ctl = UdiagFile.openOrThrow();
  const d = ctl.delete(name);
  if (!d.ok) throw new Error(`delete ${name}: ${d.errno}`);
  return id;
}

const name = POOL[3];
const staleId = leaveRecords(name, 3);
const log: string[] = [];
let error: string | null = null;
try {
  new ModelCampaign().run(
    [
      new OpenCmd(),
      new RegisterCmd(0, { kind: "pool", i: 3 }),
      new TraceCmd(3, true),
      new DrainCmd(),
    ],
    log,
  );
} catch (e) {
  error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
// Whether the stale records really had the type id the new event got.
const tracefs = new Tracefs(DIAG_SYSTEM);
using f = UdiagFile.openOrThrow();
f.register(name);
const sameId = tracefs.eventId(name) === staleId;
f.close();
UdiagFile.openOrThrow().delete(name);
sendResult({ event: "stale", error, log, sameId });
