// SPDX-License-Identifier: GPL-2.0
/*
 * rawsys: system calls made by the syscall instruction itself, so the
 * kernel's answer (the result, or -errno) comes back in the same native call.
 * Reading errno through libc takes a second FFI call after JS ran in between,
 * and that once in ~100k calls read an errno some other libc call had left (a
 * 0-byte write "returned" EAGAIN).
 *
 * A shared library, not machine code mapped by hand, because Deno calls a
 * Deno.dlopen() symbol through V8's fast API calls, close to the cost of a C
 * call, and an UnsafeFnPointer through a generic op several times slower.
 * The _b1/_b2/_b3 variants take the buffer argument at that position as a
 * typed array, which the fast call passes as its data pointer without a
 * pointer object per call.
 *
 * Built on the host (harness/rawsys.ts) and loaded over 9p in the guest.
 */

long udiag_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
		   long a6)
{
	/* The syscall ABI's 4th to 6th arguments: r10, r8, r9. */
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
			   "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* open(path, …), memfd_create(name, …): the buffer is the 1st argument. */
long udiag_syscall_b1(long nr, const void *buf, long a2, long a3)
{
	return udiag_syscall(nr, (long)buf, a2, a3, 0, 0, 0);
}

/* read, write, pwrite64, writev: the buffer is the 2nd argument. */
long udiag_syscall_b2(long nr, long a1, const void *buf, long a3, long a4)
{
	return udiag_syscall(nr, a1, (long)buf, a3, a4, 0, 0);
}

/* ioctl(fd, request, buf): the buffer is the 3rd argument. */
long udiag_syscall_b3(long nr, long a1, long a2, const void *buf)
{
	return udiag_syscall(nr, a1, a2, (long)buf, 0, 0, 0);
}

/*
 * The common case of the _b2 call, with int arguments and result: numbers
 * cross V8's fast call as they are, where 64-bit ones are a BigInt each way.
 * For a1 an fd and a3 a length below 2^31, so the result (a count or
 * -errno) fits too.
 */
int udiag_syscall_b2_int(int nr, int a1, const void *buf, int a3)
{
	return (int)udiag_syscall(nr, a1, (long)buf, a3, 0, 0, 0);
}

/* The same for the _b3 call: ioctl(fd, request, buf) with a 32-bit request. */
int udiag_syscall_b3_int(int nr, int a1, unsigned int a2, const void *buf)
{
	return (int)udiag_syscall(nr, a1, a2, (long)buf, 0, 0, 0);
}

/* close(fd) and the like: up to three int arguments, an int result. */
int udiag_syscall_i3(int nr, int a1, int a2, int a3)
{
	return (int)udiag_syscall(nr, a1, a2, a3, 0, 0, 0);
}
