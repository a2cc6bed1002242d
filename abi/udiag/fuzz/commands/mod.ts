/**
 * Every model-based command, in one `fc.commands([...])`: a case is a
 * sequence of them, run against the model and the kernel side by side.
 *
 * @module
 */
import fc from "fast-check";
import type { UdiagModel } from "../model.ts";
import type { RealUdiag } from "../real.ts";
import { nameChoice, POOL } from "./names.ts";
import { OpenCmd } from "./open_cmd.ts";
import { CloseCmd } from "./close_cmd.ts";
import { RegisterCmd } from "./register_cmd.ts";
import { DeleteCmd } from "./delete_cmd.ts";
import { writeArg, WriteCmd } from "./write_cmd.ts";
import { TraceCmd } from "./trace_cmd.ts";
import { PerfOpenCmd } from "./perf_open_cmd.ts";
import { PerfCloseCmd } from "./perf_close_cmd.ts";
import { BpfAttachCmd } from "./bpf_attach_cmd.ts";
import { DrainCmd } from "./drain_cmd.ts";
import { mmapArg, MmapCmd } from "./mmap_cmd.ts";

import { timedRun } from "../../../../harness/steps.ts";
import { commandName } from "../titles.ts";

export { COMMAND_NAMES, commandName } from "../titles.ts";

const pick = fc.nat(15);
const poolIndex = fc.nat(POOL.length - 1);

/** The commands a case draws from, untimed. */
const commands: fc.Arbitrary<fc.Command<UdiagModel, RealUdiag>>[] = [
  fc.constant(new OpenCmd()),
  pick.map((p) => new CloseCmd(p)),
  fc.tuple(pick, nameChoice).map(([p, n]) => new RegisterCmd(p, n)),
  nameChoice.map((n) => new DeleteCmd(n)),
  fc.tuple(pick, writeArg).map(([p, w]) => new WriteCmd(p, w)),
  fc.tuple(poolIndex, fc.boolean()).map(([i, on]) => new TraceCmd(i, on)),
  fc.tuple(poolIndex, fc.boolean()).map(([i, bpf]) => new PerfOpenCmd(i, bpf)),
  pick.map((p) => new PerfCloseCmd(p)),
  pick.map((p) => new BpfAttachCmd(p)),
  fc.constant(new DrainCmd()),
  mmapArg.map((a) => new MmapCmd(a)),
];

/**
 * The command arbitraries of a case; each command's run is a step of its own
 * in the case's profile (`command: write`…, harness/steps.ts).
 */
export const allCommands: fc.Arbitrary<fc.Command<UdiagModel, RealUdiag>>[] = commands.map((a) =>
  a.map((c) => timedRun(c, `command: ${commandName(String(c))}`))
);
