/**
 * The operation mixes both sides of the micro-benchmark drive (pure data):
 * the Deno FFI side in `ffi_mixes.ts` and the C baseline in `baseline.c`
 * know them by the same `id`.
 *
 * @module
 */
import { maxTracedPayload } from "../abi/udiag/abi.ts";

/** One operation mix. */
export interface Mix {
  /** Name both sides use (`baseline <id> …`). */
  readonly id: string;
  /** What one operation is, for the tables. */
  readonly label: string;
  readonly kind: "reg_del" | "write" | "enable_byte";
  /** write(2) payload size in bytes. */
  readonly size?: number;
  /** Whether the event is enabled in tracefs while the mix runs. */
  readonly enabled?: boolean;
  /**
   * How the Deno side reads the enable byte, if not through
   * `EnablePage.byte()` (a range check, then an index into a typed array
   * over the page): `array` indexes that typed array bare (the floor of a
   * JS read), `pointer-view` goes through a `Deno.UnsafePointerView` kept
   * across reads (what the harness did before). The C side is the same.
   */
  readonly read?: "array" | "pointer-view";
  /**
   * A write driven through one layer of the harness below the client
   * (`UdiagFile.write`), to say where the FFI side's time goes: `symbol` the
   * bare `Deno.dlopen` symbol (the FFI call itself), `rawsys`
   * `rawSyscallFdBuf()` (what sysWrite calls), `syscall` `sysWrite()` (its
   * argument checks and the result value too). The C side is the same write,
   * but for `threads`: there C writes with an idle second thread alive (the
   * kernel's cost of a shared fd table) and Deno through the bare symbol.
   */
  readonly layer?: "threads" | "symbol" | "rawsys" | "syscall";
  /** Operations between two clock reads, the same on both sides. */
  readonly batch: number;
}

function writeMix(size: number, enabled: boolean, layer?: Mix["layer"]): Mix {
  const on = enabled ? "on" : "off";
  return {
    id: `write${size}_${on}${layer ? `_${layer}` : ""}`,
    label: `write ${size} B, event ${enabled ? "enabled" : "disabled"}${
      size === 0 ? " (EFAULT)" : ""
    }${layer ? `, through ${LAYER_NAMES[layer]}` : ""}`,
    kind: "write",
    size,
    enabled,
    ...(layer ? { layer } : {}),
    batch: 16,
  };
}

const LAYER_NAMES = {
  threads: "the bare dlopen symbol; C with an idle second thread",
  symbol: "the bare dlopen symbol",
  rawsys: "rawSyscallFdBuf()",
  syscall: "sysWrite()",
} as const;

/** Every mix, in table order. */
export const MIXES: readonly Mix[] = [
  {
    id: "reg_del",
    label: "register/delete pair (open+REG, close, DEL)",
    kind: "reg_del",
    batch: 1,
  },
  writeMix(0, false),
  writeMix(64, false),
  writeMix(4096, false),
  writeMix(0, true),
  writeMix(64, true),
  // A traced write past maxTracedPayload() fails E2BIG (abi/udiag/abi.ts):
  // the largest one that reaches the sinks stands for a page (x86-64's 4 KiB).
  writeMix(maxTracedPayload(4096), true),
  // Where a disabled 64-byte write's time goes, layer by layer (the C side
  // parses the same id as write64_off).
  writeMix(64, false, "threads"),
  writeMix(64, false, "symbol"),
  writeMix(64, false, "rawsys"),
  writeMix(64, false, "syscall"),
  {
    id: "enable_byte",
    label: "enable-byte read (mmap'd page), EnablePage.byte()",
    kind: "enable_byte",
    batch: 1024,
  },
  {
    id: "enable_byte_array",
    label: "enable-byte read (mmap'd page), a Uint8Array over the page, indexed bare",
    kind: "enable_byte",
    read: "array",
    batch: 1024,
  },
  {
    id: "enable_byte_view",
    label: "enable-byte read (mmap'd page), UnsafePointerView.getUint8()",
    kind: "enable_byte",
    read: "pointer-view",
    batch: 1024,
  },
];

/**
 * The mix named `id`; throws a TypeError naming the known ones.
 *
 * @example
 * ```ts
 * import { mixById } from "./mixes.ts";
 * if (mixById("write64_on").size !== 64) throw new Error();
 * ```
 */
export function mixById(id: string): Mix {
  const m = MIXES.find((x) => x.id === id);
  if (!m) {
    throw new TypeError(`Unknown mix "${id}": expected ${MIXES.map((x) => x.id).join(", ")}`);
  }
  return m;
}

/** One timed sample of one mix on one side, as both sides report it. */
export interface MixSample {
  readonly mix: string;
  readonly side: "ffi" | "c";
  readonly repeat: number;
  /** Operations completed in the timed window. */
  readonly ops: number;
  readonly seconds: number;
  /** Operations whose result differed from the expected one. */
  readonly errors: number;
  /** The first few of those results, as the side describes them. */
  readonly unexpected?: readonly string[];
}
