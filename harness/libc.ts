/**
 * The libc symbols the harness calls through `Deno.dlopen`, and nothing else.
 *
 * Pointer parameters are `"pointer"` so callers can pass any address, valid or
 * not, because the fuzzers must hand the kernel bad arguments on purpose.
 * `ioctl` and `syscall` are variadic in C; on x86-64 a variadic call with
 * integer arguments passes them exactly like a fixed one, so a fixed signature
 * is sound here.
 *
 * @module
 */

const SYMBOLS = {
  open: { parameters: ["pointer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "pointer", "usize"], result: "isize" },
  write: { parameters: ["i32", "pointer", "usize"], result: "isize" },
  pwrite: { parameters: ["i32", "pointer", "usize", "i64"], result: "isize" },
  writev: { parameters: ["i32", "pointer", "i32"], result: "isize" },
  ioctl: { parameters: ["i32", "u64", "u64"], result: "i32" },
  mmap: {
    parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"],
    result: "pointer",
  },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  mprotect: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  memfd_create: { parameters: ["pointer", "u32"], result: "i32" },
  getpagesize: { parameters: [], result: "i32" },
  syscall: {
    parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"],
    result: "i64",
  },
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Type of the opened library's symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/** Opens libc once and returns its symbols; throws when libc cannot be loaded. */
export function libc(): LibcSymbols {
  if (!lib) {
    try {
      lib = Deno.dlopen("libc.so.6", SYMBOLS);
    } catch (cause) {
      throw new Error('Cannot load "libc.so.6" with Deno.dlopen', { cause });
    }
  }
  return lib.symbols;
}

/** File status and mapping flags of x86-64 Linux; checked against the C headers in libc_test.ts. */
export const O_RDONLY = 0o0;
/** Open for writing only. */
export const O_WRONLY = 0o1;
/** Open for reading and writing. */
export const O_RDWR = 0o2;
/** Create if absent. */
export const O_CREAT = 0o100;
/** Truncate on open. */
export const O_TRUNC = 0o1000;
/** Every write goes to the end of the file. */
export const O_APPEND = 0o2000;
/** Non-blocking I/O. */
export const O_NONBLOCK = 0o4000;
/** Close on exec. */
export const O_CLOEXEC = 0o2000000;
/** Pages may not be accessed. */
export const PROT_NONE = 0x0;
/** Pages may be read. */
export const PROT_READ = 0x1;
/** Pages may be written. */
export const PROT_WRITE = 0x2;
/** Pages may be executed. */
export const PROT_EXEC = 0x4;
/** Share changes. */
export const MAP_SHARED = 0x01;
/** Changes are private (copy on write). */
export const MAP_PRIVATE = 0x02;
/** Place the mapping exactly at the address. */
export const MAP_FIXED = 0x10;
/** Place it exactly there, or fail with EEXIST if something is mapped there already. */
export const MAP_FIXED_NOREPLACE = 0x100000;
/** Not backed by a file. */
export const MAP_ANONYMOUS = 0x20;
/** What mmap returns on failure: `(void *)-1`. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
/** memfd_create flag. */
export const MFD_CLOEXEC = 0x1;
