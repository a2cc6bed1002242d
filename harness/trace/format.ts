/**
 * The consumer's view of a trace event: a parser for the tracefs
 * `events/<system>/<name>/format` file and a record decoder that knows
 * nothing else. Every field is decoded generically, from the type, size,
 * offset and signedness the file publishes, so a kernel whose records do
 * not match its own format file is caught here, not papered over.
 *
 * Records are little-endian (x86-64): the format file does not publish the
 * byte order.
 *
 * @module
 */

/** How a field's bytes are read. */
export type FieldKind =
  /** A scalar of 1, 2, 4 or 8 bytes: a number (8 bytes: a bigint). */
  | "int"
  /** A fixed-size array, `char comm[16]`: its bytes. */
  | "array"
  /** `__data_loc T[]`: a u32, length << 16 | offset from the record start. */
  | "data_loc"
  /** `__rel_loc T[]`: a u32, length << 16 | offset from the end of this field. */
  | "rel_loc"
  /** Any other size: its bytes. */
  | "bytes";

/** One `field:` line of a format file. */
export interface FormatField {
  /** The field's name, without any `[N]`. */
  readonly name: string;
  /** The type as published, without the array suffix: `"unsigned short"`, `"__data_loc char[]"`. */
  readonly type: string;
  /** `N` of a static array `name[N]`; 0 for `name[]`; absent for other fields. */
  readonly arrayLength?: number;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  /** True for the fields before the blank line (`common_type`, `common_pid`, …). */
  readonly common: boolean;
  readonly kind: FieldKind;
}

/** A parsed `format` file. */
export interface EventFormat {
  readonly name: string;
  /** The event's type id: the first u16 of its records, perf's `config`. */
  readonly id: number;
  /** `common_type`, `common_flags`, `common_preempt_count`, `common_pid` (what the kernel publishes). */
  readonly commonFields: readonly FormatField[];
  /** The event's own fields. */
  readonly fields: readonly FormatField[];
  /** The text after `print fmt: `. */
  readonly printFmt: string;
}

/** A field's value: integers as number (bigint above 4 bytes), arrays and dynamic arrays as bytes. */
export type FieldValue = number | bigint | Uint8Array;

/** A decoded record: field name → value, common fields first, in file order. */
export type DecodedRecord = Map<string, FieldValue>;

/** Why a record does not decode under its published format. */
export type RecordProblem =
  /** A fixed field ends past the record. */
  | {
    readonly kind: "field-outside";
    readonly field: string;
    readonly offset: number;
    readonly size: number;
    readonly recordSize: number;
  }
  /** A dynamic array's bytes end past the record. */
  | {
    readonly kind: "data-loc-outside";
    readonly field: string;
    readonly offset: number;
    readonly length: number;
    readonly recordSize: number;
  }
  /** A dynamic array starts inside the fixed fields: the kernel never places one there. */
  | {
    readonly kind: "data-loc-in-fixed-fields";
    readonly field: string;
    readonly offset: number;
    readonly length: number;
    readonly fixedEnd: number;
  };

/** Outcome of {@linkcode decodeRecordResult}: problems are values, with what did decode. */
export type RecordResult =
  | { readonly ok: true; readonly value: DecodedRecord }
  | {
    readonly ok: false;
    readonly problems: readonly RecordProblem[];
    readonly partial: DecodedRecord;
  };

/** Thrown by {@linkcode decodeRecord} when a record does not decode; carries the problems. */
export class RecordDecodeError extends RangeError {
  readonly code = "ERECORD";
  readonly problems: readonly RecordProblem[];
  readonly partial: DecodedRecord;
  constructor(
    event: string,
    problems: readonly RecordProblem[],
    partial: DecodedRecord,
    options?: ErrorOptions,
  ) {
    super(
      `Cannot decode a record of "${event}": ${problems.map(describeProblem).join("; ")}`,
      options,
    );
    this.name = "RecordDecodeError";
    this.problems = problems;
    this.partial = partial;
  }
}

/** The `field:` declaration and its numbers, as in `format` and `header_page`. */
export interface FieldLine {
  readonly decl: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
}

const FIELD_LINE =
  /^\s*field:\s*(.+?);\s*offset:\s*(\d+);\s*size:\s*(\d+);(?:\s*signed:\s*(-?\d+);)?\s*$/;

/**
 * Parses one `field:` line; null when the line is not one.
 *
 * @example
 * ```ts
 * import { parseFieldLine } from "./format.ts";
 * const f = parseFieldLine("\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;");
 * if (f?.decl !== "int common_pid" || f.offset !== 4 || !f.signed) throw new Error();
 * ```
 */
export function parseFieldLine(line: string): FieldLine | null {
  const m = FIELD_LINE.exec(line);
  if (!m) return null;
  return {
    decl: m[1]!.trim(),
    offset: Number(m[2]),
    size: Number(m[3]),
    signed: m[4] !== undefined && Number(m[4]) !== 0,
  };
}

const DECL = /^(.*?)\s*\b([A-Za-z_]\w*)\s*(?:\[\s*(\d*)\s*\])?$/;

function fieldKind(type: string, size: number, arrayLength: number | undefined): FieldKind {
  if (type.startsWith("__data_loc")) return "data_loc";
  if (type.startsWith("__rel_loc")) return "rel_loc";
  if (arrayLength !== undefined) return "array";
  return size === 1 || size === 2 || size === 4 || size === 8 ? "int" : "bytes";
}

function toField(line: FieldLine, common: boolean, where: string): FormatField {
  const m = DECL.exec(line.decl);
  if (!m || !m[1]) {
    throw new SyntaxError(`Cannot split the field declaration "${line.decl}"${where}`);
  }
  const type = m[1].trim();
  const arrayLength = m[3] === undefined ? undefined : m[3] === "" ? 0 : Number(m[3]);
  return {
    name: m[2]!,
    type,
    ...(arrayLength === undefined ? {} : { arrayLength }),
    offset: line.offset,
    size: line.size,
    signed: line.signed,
    common,
    kind: fieldKind(type, line.size, arrayLength),
  };
}

/**
 * Parses a tracefs `format` file; throws `SyntaxError` naming the line that
 * does not parse.
 *
 * @example
 * ```ts
 * import { parseFormat } from "./format.ts";
 * const f = parseFormat(`name: e
 * ID: 1234
 * format:
 * \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
 *
 * \tfield:__data_loc char[] data;\toffset:8;\tsize:4;\tsigned:0;
 *
 * print fmt: "x"
 * `);
 * if (f.id !== 1234 || f.fields[0]?.kind !== "data_loc" || f.commonFields.length !== 1) {
 *   throw new Error();
 * }
 * ```
 */
export function parseFormat(text: string): EventFormat {
  let name: string | undefined;
  let id: number | undefined;
  let printFmt: string | undefined;
  let inFormat = false;
  let common = true;
  let sawField = false;
  const commonFields: FormatField[] = [];
  const fields: FormatField[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    const where = ` (line ${i + 1})`;
    if (line.startsWith("name:")) {
      name = line.slice(5).trim();
    } else if (line.startsWith("ID:")) {
      const v = line.slice(3).trim();
      if (!/^\d+$/.test(v)) throw new SyntaxError(`Invalid event ID "${v}"${where}`);
      id = Number(v);
    } else if (line.trim() === "format:") {
      inFormat = true;
    } else if (line.startsWith("print fmt:")) {
      printFmt = line.slice("print fmt:".length).trim();
      inFormat = false;
    } else if (inFormat && line.trim() === "") {
      // The kernel prints one blank line between the common and the event fields.
      if (sawField) common = false;
    } else if (inFormat) {
      const f = parseFieldLine(line);
      if (!f) throw new SyntaxError(`Cannot parse the format line "${line}"${where}`);
      sawField = true;
      (common ? commonFields : fields).push(toField(f, common, where));
    } else if (line.trim() !== "") {
      throw new SyntaxError(`Unexpected line "${line}"${where}`);
    }
  }
  if (name === undefined) throw new SyntaxError('The format has no "name:" line');
  if (id === undefined) throw new SyntaxError(`The format of "${name}" has no "ID:" line`);
  return { name, id, commonFields, fields, printFmt: printFmt ?? "" };
}

/** Common fields then event fields, in file order. */
export function allFields(format: EventFormat): readonly FormatField[] {
  return [...format.commonFields, ...format.fields];
}

/** End of the fixed part of a record: the largest `offset + size` the format publishes. */
export function fixedEnd(format: EventFormat): number {
  return Math.max(0, ...allFields(format).map((f) => f.offset + f.size));
}

/** Reads an integer of 1, 2, 4 or 8 bytes (little-endian); 8 bytes give a bigint. */
export function readInt(
  view: DataView,
  offset: number,
  size: number,
  signed: boolean,
): number | bigint {
  switch (size) {
    case 1:
      return signed ? view.getInt8(offset) : view.getUint8(offset);
    case 2:
      return signed ? view.getInt16(offset, true) : view.getUint16(offset, true);
    case 4:
      return signed ? view.getInt32(offset, true) : view.getUint32(offset, true);
    case 8:
      return signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
  }
  throw new RangeError(`Cannot read a ${size}-byte integer`);
}

/**
 * Where a dynamic field's offset counts from: the record's start for
 * `__data_loc`, the end of the field itself for `__rel_loc`.
 */
export function locBase(f: Pick<FormatField, "kind" | "offset" | "size">): number {
  return f.kind === "rel_loc" ? f.offset + f.size : 0;
}

/** The event's first `__data_loc`/`__rel_loc` field: where a user payload lands. */
export function dynamicField(format: EventFormat): FormatField | undefined {
  return format.fields.find((x) => x.kind === "data_loc" || x.kind === "rel_loc");
}

/** Splits a `__data_loc`/`__rel_loc` word: the low 16 bits are the offset, the high 16 the length. */
export function splitDataLoc(word: number): { offset: number; length: number } {
  return { offset: word & 0xffff, length: word >>> 16 };
}

/**
 * Decodes every field of a record by the format alone; problems (a field or
 * a dynamic array outside the record, a dynamic array inside the fixed
 * fields) are values, listed with whatever did decode.
 *
 * @example
 * ```ts
 * import { decodeRecordResult, parseFormat } from "./format.ts";
 * const f = parseFormat("name: e\nID: 7\nformat:\n" +
 *   "\tfield:__data_loc char[] data;\toffset:0;\tsize:4;\tsigned:0;\n");
 * // length 200 at offset 4: past the 8-byte record.
 * const r = decodeRecordResult(f, new Uint8Array([4, 0, 200, 0, 1, 2, 3, 4]));
 * if (r.ok || r.problems[0]?.kind !== "data-loc-outside") throw new Error();
 * ```
 */
export function decodeRecordResult(format: EventFormat, bytes: Uint8Array): RecordResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: DecodedRecord = new Map();
  const problems: RecordProblem[] = [];
  const end = fixedEnd(format);
  for (const f of allFields(format)) {
    if (f.offset + f.size > bytes.length) {
      problems.push({
        kind: "field-outside",
        field: f.name,
        offset: f.offset,
        size: f.size,
        recordSize: bytes.length,
      });
      continue;
    }
    switch (f.kind) {
      case "int":
        out.set(f.name, readInt(view, f.offset, f.size, f.signed));
        break;
      case "array":
      case "bytes":
        out.set(f.name, bytes.slice(f.offset, f.offset + f.size));
        break;
      case "data_loc":
      case "rel_loc": {
        // Only the low 4 bytes carry the word, whatever size the format claims.
        const loc = splitDataLoc(view.getUint32(f.offset, true));
        const offset = locBase(f) + loc.offset;
        if (offset + loc.length > bytes.length) {
          problems.push({
            kind: "data-loc-outside",
            field: f.name,
            offset,
            length: loc.length,
            recordSize: bytes.length,
          });
          break;
        }
        if (offset < end) {
          problems.push({
            kind: "data-loc-in-fixed-fields",
            field: f.name,
            offset,
            length: loc.length,
            fixedEnd: end,
          });
        }
        out.set(f.name, bytes.slice(offset, offset + loc.length));
        break;
      }
    }
  }
  return problems.length === 0 ? { ok: true, value: out } : { ok: false, problems, partial: out };
}

/**
 * Decodes every field of a record by the format alone; throws
 * {@linkcode RecordDecodeError} (with the problems and the partial record)
 * when it does not decode.
 *
 * @example
 * ```ts
 * import { decodeRecord, parseFormat } from "./format.ts";
 * const f = parseFormat("name: e\nID: 7\nformat:\n" +
 *   "\tfield:u32 datalen;\toffset:0;\tsize:4;\tsigned:0;\n" +
 *   "\tfield:__data_loc char[] data;\toffset:4;\tsize:4;\tsigned:0;\n");
 * // datalen 2, data_loc = 2 << 16 | 8, payload "hi".
 * const rec = decodeRecord(f, new Uint8Array([2, 0, 0, 0, 8, 0, 2, 0, 104, 105]));
 * if (rec.get("datalen") !== 2 || new TextDecoder().decode(rec.get("data") as Uint8Array) !== "hi") {
 *   throw new Error();
 * }
 * ```
 */
export function decodeRecord(format: EventFormat, bytes: Uint8Array): DecodedRecord {
  const r = decodeRecordResult(format, bytes);
  if (!r.ok) throw new RecordDecodeError(format.name, r.problems, r.partial);
  return r.value;
}

/**
 * One sentence for a problem, for messages and reports.
 *
 * @example
 * ```ts
 * import { describeProblem } from "./format.ts";
 * const s = describeProblem({ kind: "data-loc-outside", field: "data", offset: 4, length: 9, recordSize: 8 });
 * if (s !== 'field "data" points at bytes 4..13, past the 8-byte record') throw new Error(s);
 * ```
 */
export function describeProblem(p: RecordProblem): string {
  switch (p.kind) {
    case "field-outside":
      return `field "${p.field}" at bytes ${p.offset}..${
        p.offset + p.size
      } lies past the ${p.recordSize}-byte record`;
    case "data-loc-outside":
      return `field "${p.field}" points at bytes ${p.offset}..${
        p.offset + p.length
      }, past the ${p.recordSize}-byte record`;
    case "data-loc-in-fixed-fields":
      return `field "${p.field}" points at bytes ${p.offset}..${
        p.offset + p.length
      }, inside the fixed fields that end at ${p.fixedEnd}`;
  }
}

/**
 * The pid of the task that wrote a record: `common_pid`, the s32 at offset 4
 * that every event's format publishes (after common_type, common_flags and
 * common_preempt_count).
 */
export function recordPid(bytes: Uint8Array): number {
  if (bytes.length < 8) throw new RangeError(`A ${bytes.length}-byte record has no common_pid`);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getInt32(4, true);
}

/** The type id of a record: its first u16 (`common_type`, which every format publishes at 0). */
export function recordType(bytes: Uint8Array): number {
  if (bytes.length < 2) throw new RangeError(`A ${bytes.length}-byte record has no type id`);
  return bytes[0]! | (bytes[1]! << 8);
}
