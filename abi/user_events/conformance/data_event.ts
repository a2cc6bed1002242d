/**
 * The event the payload rules write (size_rules.ts, fault_rules.ts): one
 * field, `__data_loc u8[] data`. `__data_loc ` types are 4 bytes
 * (U:1105-1106) and get a validator that only bounds-checks the data
 * (U:1148-1149, U:1616-1619); the NUL-termination check is added only when
 * the type contains `char` (U:1159-1160), so a `u8[]` payload may hold any
 * bytes and any length, 0 included. The bytes after the write index are the
 * loc word and the data (loc_payload.ts).
 *
 * @module
 */
import type { Fixture } from "./fixture.ts";
import type { UserEventsFile } from "../client.ts";
import type { RuleContext } from "../../../conformance/rule_context.ts";
import { type FormatField, parseFormat } from "../../../harness/trace/format.ts";
import { type PerfEvent, perfOpen } from "../../../harness/trace/perf.ts";

/** The one field: a dynamic array of bytes with no NUL validator. */
const FIELDS = "__data_loc u8[] data";

/** The registered event: its file, write index and the format's `data` field. */
export interface DataEvent {
  readonly f: UserEventsFile;
  readonly index: number;
  readonly format: ReturnType<typeof parseFormat>;
  readonly field: FormatField & { kind: "data_loc" };
}

/** Registers event `name` on a new file of `fx`; null (the rule failed) when it cannot. */
export function registerDataEvent(t: RuleContext, fx: Fixture, name: string): DataEvent | null {
  const f = fx.open();
  const reg = fx.register(f, {
    nameArgs: `${name} ${FIELDS}`,
    enableAddr: fx.word(),
    enableBit: 0,
  });
  t.expect("register", reg.ok, true);
  if (!reg.ok) return null;
  const format = parseFormat(fx.tracefs.format(name));
  const field = format.fields.find((x) => x.name === "data");
  t.expect("format's data field", field?.kind ?? "absent", "data_loc");
  if (field?.kind !== "data_loc") return null;
  return { f, index: reg.value, format, field: field as DataEvent["field"] };
}

/**
 * Event `name` registered as {@linkcode registerDataEvent} does, with perf
 * tracing it (closed by the fixture before the event is unregistered and
 * deleted); null, the failure recorded, when either cannot be done.
 */
export function perfDataEvent(
  t: RuleContext,
  fx: Fixture,
  name: string,
): (DataEvent & { perf: PerfEvent }) | null {
  const ev = registerDataEvent(t, fx, name);
  if (!ev) return null;
  const perf = perfOpen(fx.tracefs.eventId(name));
  t.expect("perf_event_open", perf.ok, true);
  if (!perf.ok) return null;
  fx.defer(() => perf.value.close());
  return { ...ev, perf: perf.value };
}
