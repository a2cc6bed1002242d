/**
 * System calls made by the `syscall` instruction itself, so the kernel's
 * answer comes back in the same native call: `-errno` on failure, as the
 * x86-64 syscall ABI returns it. Reading `errno` through libc takes a second
 * FFI call after JS ran in between, and that once in ~100k calls read an
 * errno some other libc call had left (a 0-byte write "returned" EAGAIN).
 *
 * The calls are a small C library (`rawsys.c`) opened with `Deno.dlopen`,
 * whose symbols V8 calls through its fast API: an `UnsafeFnPointer` to
 * hand-mapped machine code, as this module used before, goes through a
 * generic op and cost several times a C call (`deno task bench`). The
 * library is built on the host with gcc, named by a hash of its source and
 * flags, so a changed source is a new file and never a stale one; the guest
 * loads the same path over 9p (harness/vm/initramfs.ts builds it before
 * every boot, as the guest's share is read-only). x86-64 is the only
 * architecture the harness supports (its constants are x86-64's).
 *
 * @module
 */
import { ROOT } from "./paths.ts";

/** x86-64 system call numbers (`asm/unistd_64.h`), checked against the C headers in rawsys_test.ts. */
export const NR = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  mmap: 9,
  mprotect: 10,
  munmap: 11,
  ioctl: 16,
  pread64: 17,
  pwrite64: 18,
  writev: 20,
  getpid: 39,
  delete_module: 176,
  getcpu: 309,
  finit_module: 313,
  memfd_create: 319,
} as const;

const SOURCE = new URL("./rawsys.c", import.meta.url).pathname;
const FLAGS = ["-shared", "-fPIC", "-O2", "-Wall", "-Werror"] as const;

const SYMBOLS = {
  udiag_syscall: { parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"], result: "i64" },
  udiag_syscall_b1: { parameters: ["i64", "buffer", "i64", "i64"], result: "i64" },
  udiag_syscall_b2: { parameters: ["i64", "i64", "buffer", "i64", "i64"], result: "i64" },
  udiag_syscall_b3: { parameters: ["i64", "i64", "i64", "buffer"], result: "i64" },
  udiag_syscall_b2_int: { parameters: ["i32", "i32", "buffer", "i32"], result: "i32" },
  udiag_syscall_b3_int: { parameters: ["i32", "i32", "u32", "buffer"], result: "i32" },
  udiag_syscall_i3: { parameters: ["i32", "i32", "i32", "i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** FNV-1a, 64 bits, as hex (synchronous: the library is opened at the first call). */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) {
    h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  }
  return h.toString(16).padStart(16, "0");
}

/** The library's path for this source and these flags (pure but for reading the source). */
export function rawsysLibPath(root: string = ROOT): string {
  const key = fnv1a64(`${FLAGS.join(" ")}\n${Deno.readTextFileSync(SOURCE)}`);
  return `${root}/out/build/rawsys/librawsys-${key}.so`;
}

/**
 * Builds the library unless this source's build is there; returns its path.
 * Written under a temporary name and renamed, so parallel runs never load a
 * half-written file. Throws with gcc's output when it cannot be built.
 */
export function ensureRawsysLib(root: string = ROOT): string {
  const out = rawsysLibPath(root);
  try {
    if (Deno.statSync(out).isFile) return out;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const tmp = `${out}.${Deno.pid}.tmp`;
  try {
    Deno.mkdirSync(out.slice(0, out.lastIndexOf("/")), { recursive: true });
    const r = new Deno.Command("gcc", { args: [...FLAGS, "-o", tmp, SOURCE] }).outputSync();
    if (!r.success) throw new Error(new TextDecoder().decode(r.stderr).trim());
    Deno.renameSync(tmp, out);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never written */ }
    throw new Error(
      `Cannot build ${out} from ${SOURCE} (a guest cannot: the host builds it before ` +
        `each boot): ${e instanceof Error ? e.message : e}`,
      { cause: e },
    );
  }
  return out;
}

let symbols: Symbols | undefined;

/**
 * The library's symbols themselves: for the benchmark's measure of the bare
 * FFI call; everything else calls {@linkcode rawSyscall}.
 */
export function rawsysSymbols(): Symbols {
  return lib();
}

function lib(): Symbols {
  if (symbols) return symbols;
  if (Deno.build.arch !== "x86_64") {
    throw new Error(`rawsys.c is x86-64 code; this is ${Deno.build.arch}`);
  }
  symbols = Deno.dlopen(ensureRawsysLib(), SYMBOLS).symbols;
  return symbols;
}

const I64_MAX = 0x7fff_ffff_ffff_ffffn;

/**
 * A register's value as the bigint an `i64` parameter takes (a number there
 * makes V8 leave the fast call, measured at half the rate); a kernel address
 * passes as its 64 bits, signed.
 */
function reg(x: number | bigint): bigint {
  if (typeof x === "number") return BigInt(x);
  return x > I64_MAX ? BigInt.asIntN(64, x) : x;
}

/**
 * One system call by number: its result, or `-errno`, from one native call.
 *
 * @example
 * ```ts
 * import { NR, rawSyscall } from "./rawsys.ts";
 * if (rawSyscall(NR.getpid) !== BigInt(Deno.pid)) throw new Error();
 * if (rawSyscall(NR.close, -1) !== -9n) throw new Error(); // EBADF
 * ```
 */
export function rawSyscall(
  nr: number,
  a1: number | bigint = 0,
  a2: number | bigint = 0,
  a3: number | bigint = 0,
  a4: number | bigint = 0,
  a5: number | bigint = 0,
  a6: number | bigint = 0,
): bigint {
  return lib().udiag_syscall(
    BigInt(nr),
    reg(a1),
    reg(a2),
    reg(a3),
    reg(a4),
    reg(a5),
    reg(a6),
  ) as bigint;
}

/**
 * {@linkcode rawSyscall} with our bytes as the `at`-th argument (1 to 3),
 * passed as the typed array itself: the fast path of the suites' calls on
 * their own buffers. The array must not be empty (what address an empty
 * array gets is V8's choice; callers pass those as addresses).
 */
export function rawSyscallBuf(
  nr: number,
  at: 1 | 2 | 3,
  buf: Uint8Array,
  a: number | bigint = 0,
  b: number | bigint = 0,
  c: number | bigint = 0,
): bigint {
  const s = lib();
  if (at === 1) return s.udiag_syscall_b1(BigInt(nr), buf, reg(a), reg(b)) as bigint;
  if (at === 2) return s.udiag_syscall_b2(BigInt(nr), reg(a), buf, reg(b), reg(c)) as bigint;
  return s.udiag_syscall_b3(BigInt(nr), reg(a), reg(b), buf) as bigint;
}

const isI32 = (x: number | bigint): x is number => typeof x === "number" && (x | 0) === x;

/**
 * {@linkcode rawSyscallBuf} at position 2 or 3 when the other arguments are
 * small numbers (an fd, a length or a 32-bit ioctl request): numbers in and
 * out, no BigInt made per call; null when they are not, for the caller to
 * make the 64-bit call.
 */
export function rawSyscallBufInt(
  nr: number,
  at: 2 | 3,
  buf: Uint8Array,
  a: number | bigint,
  b: number | bigint,
): number | null {
  if (!isI32(a)) return null;
  if (at === 2) return isI32(b) && b >= 0 ? lib().udiag_syscall_b2_int(nr, a, buf, b) : null;
  return typeof b === "number" && b >= 0 && b <= 0xffff_ffff && Number.isInteger(b)
    ? lib().udiag_syscall_b3_int(nr, a, b, buf)
    : null;
}

/**
 * `read`/`write(fd, buf, len)` with 32-bit numbers (the caller checked
 * them): the suites' commonest calls, kept to one property load and the
 * call so that V8 inlines it whole (`deno task bench`'s layer table).
 */
export function rawSyscallFdBuf(nr: number, fd: number, buf: Uint8Array, len: number): number {
  return (symbols ?? lib()).udiag_syscall_b2_int(nr, fd, buf, len);
}

/**
 * A call whose (at most three) arguments are all 32-bit numbers, `close(fd)`
 * the commonest, as one with numbers in and out; null when they are not.
 */
export function rawSyscallInt(nr: number, args: readonly (number | bigint)[]): number | null {
  if (args.length > 3 || !args.every(isI32)) return null;
  return lib().udiag_syscall_i3(nr, args[0] ?? 0, args[1] ?? 0, args[2] ?? 0);
}

/** Whether a raw result is `-errno` (the kernel never returns -4095..-1 otherwise). */
export function isErrorReturn(r: bigint): boolean {
  return r < 0n && r >= -4095n;
}
