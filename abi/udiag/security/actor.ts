/**
 * An attacker (or victim) process of one user: started by {@linkcode Actor}
 * with that user's uid and gid, it answers one JSON request per stdin line
 * with one JSON line on stdout, making every call through the harness's FFI
 * layer. Handles (`h`) name its open device files, `m` its mappings.
 *
 * @module
 */
import { UdiagFile } from "../device.ts";
import type { SysResult } from "../../../harness/errno.ts";
import { MAP_SHARED, O_RDONLY, O_RDWR, PROT_READ } from "../../../harness/libc.ts";
import { type Mapping, sysClose, sysMmap, sysMprotect, sysOpen } from "../../../harness/syscall.ts";
import { peek, poke } from "../../../harness/syscall.ts";
import { bindDatagram, recvFd } from "../../../harness/fdpass.ts";
import { DEVICE_PATH } from "../abi.ts";
import { lines } from "./users.ts";

/** One request; see {@linkcode handle} for what each does. */
export type Request =
  | { op: "open"; readOnly?: boolean }
  | { op: "adopt"; fd: number }
  | { op: "register"; h: number; name: number[] }
  | { op: "delete"; h: number; name: number[] }
  | { op: "write"; h: number; text: string; repeat?: number }
  | { op: "close"; h: number }
  | { op: "map"; h: number; prot?: number; flags?: number; length?: number; offset?: number }
  | { op: "mprotect"; m: number; prot: number }
  | { op: "peek"; m: number }
  | { op: "poke"; m: number; index: number; value: number }
  | { op: "writeSize"; h: number; size: number }
  | { op: "openPath"; path: string; write: boolean }
  | { op: "bind"; path: string }
  | { op: "recv" }
  | { op: "flood"; prefix: string; max: number }
  | { op: "writeLoop"; h: number; size: number; seconds: number }
  | { op: "whoami" };

const files = new Map<number, UdiagFile>();
const maps = new Map<number, Mapping>();
let next = 1;
let sock = -1;

function file(h: number): UdiagFile {
  const f = files.get(h);
  if (!f) throw new Error(`No handle ${h}`);
  return f;
}

function keep(f: UdiagFile): number {
  files.set(next, f);
  return next++;
}

function bytes(name: number[]): Uint8Array {
  return new Uint8Array([...name, 0]);
}

/** Runs one request (the kernel's answers are values; a harness error throws). */
export function handle(r: Request): unknown {
  switch (r.op) {
    case "whoami":
      return { uid: Deno.uid(), gid: Deno.gid() };
    case "open": {
      const f = UdiagFile.open(DEVICE_PATH, r.readOnly ? O_RDONLY : O_RDWR);
      return f.ok ? { ok: true, value: keep(f.value) } : f;
    }
    case "adopt":
      return { ok: true, value: keep(UdiagFile.adopt(r.fd)) };
    case "register":
      return file(r.h).register(bytes(r.name));
    case "delete":
      return file(r.h).delete(bytes(r.name));
    case "write": {
      const data = new TextEncoder().encode(r.text);
      let last: SysResult<number> = { ok: true, value: 0 };
      for (let i = 0; i < (r.repeat ?? 1); i++) last = file(r.h).write(data);
      return last;
    }
    case "close": {
      const res = file(r.h).close();
      files.delete(r.h);
      return res;
    }
    case "map": {
      const m = sysMmap(
        r.length ?? 4096,
        r.prot ?? PROT_READ,
        r.flags ?? MAP_SHARED,
        file(r.h).fd,
        r.offset ?? 0,
      );
      if (!m.ok) return m;
      maps.set(next, m.value);
      return { ok: true, value: next++ };
    }
    case "mprotect": {
      const m = maps.get(r.m)!;
      return sysMprotect(m.address, m.length, r.prot);
    }
    case "peek": {
      const m = maps.get(r.m)!;
      return { ok: true, value: [...peek(m.address, m.length)] };
    }
    case "poke": {
      // Only after the kernel let the mapping be writable: else SIGSEGV.
      const m = maps.get(r.m)!;
      poke(m.address + BigInt(r.index), new Uint8Array([r.value]));
      return { ok: true, value: 0 };
    }
    case "writeSize": {
      const data = new Uint8Array(r.size).fill(0x57);
      const started = performance.now();
      const res = file(r.h).write(data);
      return { ...res, seconds: (performance.now() - started) / 1000 };
    }
    case "openPath": {
      const fd = sysOpen(r.path, r.write ? O_RDWR : O_RDONLY);
      if (fd.ok) sysClose(fd.value);
      return fd;
    }
    case "bind": {
      const s = bindDatagram(r.path);
      if (s.ok) sock = s.value;
      return s;
    }
    case "recv": {
      const fd = recvFd(sock);
      return fd.ok ? { ok: true, value: keep(UdiagFile.adopt(fd.value)) } : fd;
    }
    case "flood":
      return flood(r.prefix, r.max);
    case "writeLoop":
      return writeLoop(file(r.h), r.size, r.seconds);
  }
}

/**
 * Registers `prefix_0`, `prefix_1`, … each from a new file closed right after
 * (events outlive their files), until the kernel refuses or `max` is reached.
 */
function flood(prefix: string, max: number) {
  const started = performance.now();
  let count = 0;
  let stop = "max reached";
  for (; count < max; count++) {
    const f = UdiagFile.open();
    if (!f.ok) {
      stop = `open: ${f.errno}`;
      break;
    }
    const r = f.value.register(`${prefix}_${count}`);
    f.value.close();
    if (!r.ok) {
      stop = `register: ${r.errno}`;
      break;
    }
  }
  return { count, seconds: (performance.now() - started) / 1000, stop };
}

/** Writes `size`-byte payloads for `seconds`; counts answers by kind. */
function writeLoop(f: UdiagFile, size: number, seconds: number) {
  const data = new Uint8Array(size).fill(0x41);
  const answers: Record<string, number> = {};
  const end = performance.now() + seconds * 1000;
  let writes = 0;
  while (performance.now() < end) {
    const r = f.write(data);
    const k = r.ok ? (r.value === size ? "ok" : `short ${r.value}`) : r.errno;
    answers[k] = (answers[k] ?? 0) + 1;
    writes++;
  }
  return { writes, answers };
}

if (import.meta.main) {
  const out = (v: unknown) => {
    let b = new TextEncoder().encode(JSON.stringify(v) + "\n");
    while (b.length) b = b.subarray(Deno.stdout.writeSync(b));
  };
  for await (const line of lines(Deno.stdin.readable)) {
    try {
      out({ reply: handle(JSON.parse(line) as Request) });
    } catch (e) {
      out({ error: (e as Error).message });
    }
  }
}
