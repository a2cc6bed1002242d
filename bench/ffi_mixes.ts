/**
 * The micro-benchmark's Deno side: each mix of `mixes.ts` driven through the
 * harness's own clients (`UdiagFile`, `EnablePage`, `Tracefs`), exactly as
 * the suites call them, with the same batches and clock reads as the C
 * baseline. Runs in the guest.
 *
 * @module
 */
import { UdiagFile } from "../abi/udiag/device.ts";
import { showResult } from "../harness/errno.ts";
import { Tracefs } from "../harness/tracefs.ts";
import { DIAG_SYSTEM } from "../abi/udiag/abi.ts";
import { NR, rawSyscallFdBuf, rawsysSymbols } from "../harness/rawsys.ts";
import { sysWrite } from "../harness/syscall.ts";
import type { Mix, MixSample } from "./mixes.ts";

const NAME_RD = "bench_ffi_rd";
const NAME_W = "bench_ffi_w";
const NAME_EB = "bench_ffi_eb";
/** Unexpected results kept for the report, as the C side keeps them. */
const MAX_UNEXPECTED = 3;

/** An op: null when the kernel answered as expected, else what it answered. */
type Op = () => string | null;

/** Counts of one timed window. */
interface Tally {
  ops: number;
  errors: number;
  seconds: number;
  unexpected: string[];
}

function timed(op: Op, batch: number, seconds: number): Tally {
  const t: Tally = { ops: 0, errors: 0, seconds: 0, unexpected: [] };
  const t0 = performance.now();
  let t1 = t0;
  do {
    for (let i = 0; i < batch; i++) {
      const bad = op();
      if (bad === null) continue;
      if (t.errors < MAX_UNEXPECTED) t.unexpected.push(bad);
      t.errors++;
    }
    t.ops += batch;
    t1 = performance.now();
  } while (t1 - t0 < seconds * 1000);
  t.seconds = (t1 - t0) / 1000;
  return t;
}

/** The op of a mix, and what undoes its set-up. */
interface Prepared {
  readonly op: Op;
  readonly teardown: () => void;
}

function prepare(mix: Mix, ctl: UdiagFile, tracefs: Tracefs): Prepared {
  switch (mix.kind) {
    case "reg_del":
      return {
        op: () => {
          const f = UdiagFile.open();
          if (!f.ok) return `open: ${f.errno}`;
          const idx = f.value.register(NAME_RD);
          f.value.close();
          if (!idx.ok || idx.value < 1) return `register: ${showResult(idx)}`;
          const del = ctl.delete(NAME_RD);
          return del.ok && del.value === 0 ? null : `delete: ${showResult(del)}`;
        },
        teardown: () => {},
      };
    case "write": {
      const size = mix.size ?? 0;
      const f = UdiagFile.openOrThrow();
      const idx = f.register(NAME_W);
      if (!idx.ok) throw new Error(`Cannot register "${NAME_W}": ${idx.errno}`);
      if (mix.enabled) {
        const on = tracefs.setEnabled(NAME_W, true);
        if (!on.ok) throw new Error(`Cannot enable "${NAME_W}": ${on.errno}`);
      }
      const buf = new Uint8Array(size).fill(0x61);
      const teardown = () => {
        if (mix.enabled) tracefs.setEnabled(NAME_W, false);
        f.close();
        ctl.delete(NAME_W);
      };
      if (mix.layer !== undefined) return { op: layerOp(mix.layer, f.fd, buf), teardown };
      return {
        // A zero-length write is EFAULT (RFC).
        op: size === 0
          ? () => {
            const r = f.write(buf);
            return !r.ok && r.errno === "EFAULT" ? null : `write: ${showResult(r)}`;
          }
          : () => {
            const r = f.write(buf);
            return r.ok && r.value === size ? null : `write: ${showResult(r)}`;
          },
        teardown,
      };
    }
    case "enable_byte": {
      const f = UdiagFile.openOrThrow();
      const idx = f.register(NAME_EB);
      const page = f.mapPage();
      if (!idx.ok || !page.ok) {
        throw new Error(
          `Cannot register and map "${NAME_EB}": ${idx.ok ? "" : idx.errno}${
            page.ok ? "" : page.errno
          }`,
        );
      }
      const index = idx.value;
      const pointer = Deno.UnsafePointer.create(page.value.mapping.address)!;
      const view = new Deno.UnsafePointerView(pointer);
      const array = new Uint8Array(
        Deno.UnsafePointerView.getArrayBuffer(pointer, page.value.mapping.length),
      );
      const check = (b: number | undefined) => b === 0 ? null : `enable byte: ${b}`;
      return {
        op: mix.read === "pointer-view"
          ? () => check(view.getUint8(index))
          : mix.read === "array"
          ? () => check(array[index])
          : () => check(page.value.byte(index)),
        teardown: () => {
          page.value.unmap();
          f.close();
          ctl.delete(NAME_EB);
        },
      };
    }
  }
}

/** A non-empty write of `buf` through one layer below the client (see `Mix.layer`). */
function layerOp(layer: NonNullable<Mix["layer"]>, fd: number, buf: Uint8Array): Op {
  const size = buf.length;
  switch (layer) {
    case "threads": // the C side's difference: Deno always runs threads
    case "symbol": {
      const call = rawsysSymbols().udiag_syscall_b2_int;
      return () => {
        const r = call(NR.write, fd, buf, size);
        return r === size ? null : `write: ${r}`;
      };
    }
    case "rawsys":
      return () => {
        const r = rawSyscallFdBuf(NR.write, fd, buf, size);
        return r === size ? null : `write: ${r}`;
      };
    case "syscall":
      return () => {
        const r = sysWrite(fd, buf);
        return r.ok && r.value === size ? null : `write: ${showResult(r)}`;
      };
  }
}

/** Runs one mix for `warmup` s untimed, then `seconds` s timed. */
export function runFfiMix(
  mix: Mix,
  seconds: number,
  warmup: number,
  repeat: number,
): MixSample {
  using ctl = UdiagFile.openOrThrow();
  const p = prepare(mix, ctl, new Tracefs(DIAG_SYSTEM));
  try {
    if (warmup > 0) timed(p.op, mix.batch, warmup);
    const t = timed(p.op, mix.batch, seconds);
    return {
      mix: mix.id,
      side: "ffi",
      repeat,
      ops: t.ops,
      seconds: t.seconds,
      errors: t.errors,
      unexpected: t.unexpected,
    };
  } finally {
    p.teardown();
  }
}
