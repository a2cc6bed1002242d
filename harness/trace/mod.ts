/**
 * The consumers' side of the udiag ABI: decoding what ftrace and perf hand
 * out, using only what the kernel publishes (the event's `format` file and
 * tracefs `events/header_page` / `events/header_event`).
 *
 * - {@link ./format.ts}: `parseFormat`, `decodeRecord`, `decodeRecordResult` (pure)
 * - {@link ./ftrace_raw.ts}: `parseRingLayout`, `decodePage`, `collectRecords` (pure)
 * - {@link ./ftrace_reader.ts}: `readRecords` over `per_cpu/cpuN/trace_pipe_raw` (I/O)
 * - {@link ./perf.ts}: `perfAttr`, `parsePerfRecords` (pure); `perfOpen`, `PerfEvent` (I/O)
 * - {@link ./payloads.ts}: the known payloads of the captures and the suites
 * - {@link ./recover.ts}: `payloadsOf`, the `data` fields of raw records by the format alone
 *
 * @module
 */
export * from "./format.ts";
export * from "./ftrace_raw.ts";
export * from "./ftrace_reader.ts";
export * from "./perf.ts";
export * from "./payloads.ts";
export * from "./recover.ts";
