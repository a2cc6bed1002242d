/**
 * System calls made by the `syscall` instruction itself, so the kernel's
 * answer comes back in the same native call: `-errno` on failure, as the
 * x86-64 syscall ABI returns it. Reading `errno` through libc takes a second
 * FFI call after JS ran in between, and that once in ~100k calls read an
 * errno some other libc call had left (a 0-byte write "returned" EAGAIN).
 *
 * The stub is nine instructions of x86-64 machine code in a page of its own,
 * mapped executable and never writable again; x86-64 is the only
 * architecture the harness supports (its constants are x86-64's):
 *
 *     mov rax, rdi        ; syscall number
 *     mov rdi, rsi        ; arguments 1..6 move one register down,
 *     mov rsi, rdx        ; the 4th goes to r10 as the syscall ABI wants
 *     mov rdx, rcx
 *     mov r10, r8
 *     mov r8, r9
 *     mov r9, [rsp + 8]   ; the 7th C argument is on the stack
 *     syscall
 *     ret                 ; rax: the result, or -errno
 *
 * @module
 */
import {
  libc,
  MAP_ANONYMOUS,
  MAP_FAILED,
  MAP_PRIVATE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "./libc.ts";

/** The stub's bytes (the listing above). */
// deno-fmt-ignore
export const SYSCALL_STUB = new Uint8Array([
  0x48, 0x89, 0xf8, //       mov rax, rdi
  0x48, 0x89, 0xf7, //       mov rdi, rsi
  0x48, 0x89, 0xd6, //       mov rsi, rdx
  0x48, 0x89, 0xca, //       mov rdx, rcx
  0x4d, 0x89, 0xc2, //       mov r10, r8
  0x4d, 0x89, 0xc8, //       mov r8, r9
  0x4c, 0x8b, 0x4c, 0x24, 0x08, // mov r9, [rsp + 8]
  0x0f, 0x05, //             syscall
  0xc3, //                   ret
]);

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
  pwrite64: 18,
  writev: 20,
  getpid: 39,
  memfd_create: 319,
} as const;

const STUB_TYPE = {
  parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"],
  result: "i64",
} as const satisfies Deno.UnsafeCallbackDefinition;

let stub: Deno.UnsafeFnPointer<typeof STUB_TYPE> | undefined;

function load(): Deno.UnsafeFnPointer<typeof STUB_TYPE> {
  if (Deno.build.arch !== "x86_64") {
    throw new Error(`The syscall stub is x86-64 code; this is ${Deno.build.arch}`);
  }
  const size = 4096n;
  const p = libc().mmap(null, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n);
  if (Deno.UnsafePointer.value(p) === MAP_FAILED || p === null) {
    throw new Error("Cannot map a page for the syscall stub");
  }
  new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, SYSCALL_STUB.length)).set(SYSCALL_STUB);
  if (libc().mprotect(p, size, PROT_READ | PROT_EXEC) !== 0) {
    throw new Error("Cannot make the syscall stub executable");
  }
  return new Deno.UnsafeFnPointer(p as Deno.PointerObject<typeof STUB_TYPE>, STUB_TYPE);
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
export function rawSyscall(nr: number, ...args: (number | bigint)[]): bigint {
  if (args.length > 6) throw new RangeError(`A system call takes at most 6 arguments`);
  stub ??= load();
  // Kernel addresses (bad pointers on purpose) pass as the same 64 bits, signed.
  const a = [...args.map((x) => BigInt.asIntN(64, BigInt(x))), 0n, 0n, 0n, 0n, 0n, 0n];
  return stub.call(BigInt(nr), a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!) as bigint;
}

/** Whether a raw result is `-errno` (the kernel never returns -4095..-1 otherwise). */
export function isErrorReturn(r: bigint): boolean {
  return r < 0n && r >= -4095n;
}
