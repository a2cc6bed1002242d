/**
 * Every model-based command of the user_events campaign, in one
 * `fc.commands([...])`: a case is a sequence of them, run against the model
 * and the kernel side by side.
 *
 * @module
 */
import fc from "fast-check";
import { FIELD_POOL, PAGES, type UserEventsModel } from "../model.ts";
import { POOL, type RealUserEvents } from "../real.ts";
import { CloseCmd, OpenCmd } from "./file_cmds.ts";
import { registerArg, RegisterCmd } from "./register_cmd.ts";
import { unregisterArg, UnregisterCmd } from "./unregister_cmd.ts";
import { DeleteCmd, DynCreateCmd, DynDeleteCmd } from "./delete_cmds.ts";
import { writeArg, WriteCmd } from "./write_cmd.ts";
import { TraceCmd } from "./trace_cmd.ts";
import { ProtectCmd } from "./protect_cmd.ts";

import { timedRun } from "../../../../harness/steps.ts";
import { commandName } from "../titles.ts";

export { COMMAND_NAMES, commandName } from "../titles.ts";

const pick = fc.nat(15);
const name = fc.nat(POOL.length - 1);
const fields = fc.nat(FIELD_POOL.length - 1);

/** The commands a case draws from, weighted towards register, trace and write, untimed. */
const commands: fc.Arbitrary<fc.Command<UserEventsModel, RealUserEvents>>[] = [
  fc.constant(new OpenCmd()),
  pick.map((p) => new CloseCmd(p)),
  fc.tuple(pick, registerArg).map(([p, a]) => new RegisterCmd(p, a)),
  fc.tuple(pick, registerArg).map(([p, a]) => new RegisterCmd(p, a)),
  fc.tuple(pick, unregisterArg).map(([p, a]) => new UnregisterCmd(p, a)),
  fc.tuple(pick, name).map(([p, n]) => new DeleteCmd(p, n)),
  fc.tuple(pick, writeArg).map(([p, w]) => new WriteCmd(p, w)),
  fc.tuple(name, fc.boolean()).map(([n, on]) => new TraceCmd(n, on)),
  fc.tuple(name, fc.boolean()).map(([n, on]) => new TraceCmd(n, on)),
  fc.tuple(name, fields).map(([n, f]) => new DynCreateCmd(n, f)),
  fc.tuple(name, fields).map(([n, f]) => new DynDeleteCmd(n, f)),
  fc.tuple(
    fc.nat(PAGES - 1),
    fc.constantFrom("rw" as const, "ro" as const, "none" as const, "unmapped" as const),
  )
    .map(([p, to]) => new ProtectCmd(p, to)),
];

/**
 * The command arbitraries of a case; each command's run is a step of its own
 * in the case's profile (`command: write`…, harness/steps.ts).
 */
export const allCommands: fc.Arbitrary<fc.Command<UserEventsModel, RealUserEvents>>[] = commands
  .map((a) => a.map((c) => timedRun(c, `command: ${commandName(String(c))}`)));
