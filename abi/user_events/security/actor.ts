/**
 * An attacker process of user_events checks: started by `UeActor`
 * (./users.ts) with an ordinary user's uid and gid, it answers one JSON
 * request per stdin line with one JSON line on stdout, making every call
 * through the user_events client. Handles (`h`) name its descriptors of
 * user_events_data, `w` its enable words, `m` its mappings. Addresses travel
 * as decimal strings (JSON has no 64-bit integers).
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import { ok } from "../../../harness/errno.ts";
import {
  MAP_ANONYMOUS,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  PROT_NONE,
  PROT_READ,
} from "../../../harness/libc.ts";
import {
  addressOf,
  type Mapping,
  pageSize,
  peek,
  sysClose,
  sysMmap,
  sysMprotect,
  sysMunmap,
  sysOpen,
  sysRaw,
  sysWriteText,
} from "../../../harness/syscall.ts";
import { bindDatagram, recvFd } from "../../../harness/fdpass.ts";
import { serveActor } from "../../../security/actor.ts";
import { EnableWord, UserEventsFile } from "../client.ts";

/** One request; see {@linkcode handle} for what each does. */
export type Request =
  | { op: "whoami" }
  | { op: "openPath"; path: string; flags: number }
  | { op: "writePath"; path: string; text: string; flags: number }
  | {
    op: "register";
    h: number;
    nameArgs: string;
    flags: number;
    bit: number;
    m?: number;
    address?: string;
  }
  | { op: "delete"; h: number; name: string }
  | { op: "writev"; h: number; index: number; payload: number[] }
  | { op: "write"; h: number; index: number; payload: number[] }
  | { op: "bit"; w: number; bit: number }
  | { op: "map"; prot: number }
  | { op: "unmap"; m: number }
  | { op: "guard"; m: number }
  | { op: "reveal"; m: number }
  | { op: "mapped"; m: number }
  | { op: "peek"; m: number }
  | { op: "bind"; path: string }
  | { op: "recv" }
  | { op: "close"; h: number };

/** x86-64 mincore(2) (arch/x86/entry/syscalls/syscall_64.tbl). */
const NR_MINCORE = 27;

const files = new Map<number, UserEventsFile>();
const words = new Map<number, EnableWord>();
const maps = new Map<number, Mapping>();
let next = 1;
let sock = -1;

function file(h: number): UserEventsFile {
  const f = files.get(h);
  if (!f) throw new Error(`No handle ${h}`);
  return f;
}

function mapping(m: number): Mapping {
  const x = maps.get(m);
  if (!x) throw new Error(`No mapping ${m}`);
  return x;
}

function register(r: Extract<Request, { op: "register" }>): SysResult<number> & { w?: number } {
  const o = { nameArgs: r.nameArgs, enableBit: r.bit, flags: r.flags };
  if (r.m !== undefined) return file(r.h).register({ ...o, enableAddr: mapping(r.m).address });
  if (r.address !== undefined) return file(r.h).register({ ...o, enableAddr: BigInt(r.address) });
  const w = new EnableWord();
  const res = file(r.h).register({ ...o, enableAddr: w });
  // Kept even on failure: a failed register may leave an enabler behind (NOTES.md §5 step 13).
  words.set(next, w);
  return { ...res, w: next++ };
}

/** Runs one request (the kernel's answers are values; a harness error throws). */
export function handle(r: Request): unknown {
  switch (r.op) {
    case "whoami":
      return { uid: Deno.uid(), gid: Deno.gid() };
    case "openPath": {
      const fd = sysOpen(r.path, r.flags);
      if (fd.ok) sysClose(fd.value);
      return fd;
    }
    case "writePath":
      return sysWriteText(r.path, r.text, r.flags);
    case "register":
      return register(r);
    case "delete":
      return file(r.h).delete(r.name);
    case "writev":
      return file(r.h).writev(r.index, new Uint8Array(r.payload));
    case "write":
      return file(r.h).write(r.index, new Uint8Array(r.payload));
    case "bit": {
      const w = words.get(r.w);
      if (!w) throw new Error(`No word ${r.w}`);
      return w.bit(r.bit);
    }
    case "map": {
      const m = sysMmap(pageSize(), r.prot, MAP_PRIVATE | MAP_ANONYMOUS, -1);
      if (!m.ok) return m;
      maps.set(next, m.value);
      return ok(next++);
    }
    case "unmap": {
      const m = mapping(r.m);
      return sysMunmap(m.address, m.length);
    }
    case "guard": {
      // Unmapped, then held by a no-access page: any other mapping of this
      // multi-threaded process could take a bare hole. NOREPLACE: if one
      // already did, the set-up fails (EEXIST) instead of a false verdict.
      const m = mapping(r.m);
      const u = sysMunmap(m.address, m.length);
      if (!u.ok) return u;
      const g = sysMmap(
        m.length,
        PROT_NONE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
        -1,
        0,
        m.address,
      );
      if (!g.ok) return g;
      return ok(g.value.address === m.address ? 0 : 1);
    }
    case "reveal": {
      const m = mapping(r.m);
      return sysMprotect(m.address, m.length, PROT_READ);
    }
    case "mapped": {
      const vec = new Uint8Array(1);
      return sysRaw(NR_MINCORE, mapping(r.m).address, pageSize(), addressOf(vec));
    }
    case "peek":
      return [...peek(mapping(r.m).address, 8)];
    case "bind": {
      const s = bindDatagram(r.path);
      if (s.ok) sock = s.value;
      return s;
    }
    case "recv": {
      const fd = recvFd(sock);
      if (!fd.ok) return fd;
      files.set(next, UserEventsFile.adopt(fd.value));
      return ok(next++);
    }
    case "close": {
      const res = file(r.h).close();
      files.delete(r.h);
      return res;
    }
  }
}

if (import.meta.main) await serveActor(handle);
