/**
 * The console signatures `parse.ts` recognises: data, one row per signature,
 * first match wins, titles in syzkaller's words (`pkg/report/linux.go`
 * `linuxOopses`, `report.go` `oopsFormat`). Rows target Linux 6.12 on x86_64
 * with KASAN (generic), PROVE_LOCKING + PROVE_RCU, kmemleak,
 * DEBUG_ATOMIC_SLEEP and the hung-task, soft-lockup and RCU-stall detectors.
 *
 * Pure: no `Deno.*` call.
 *
 * @module
 */
import type { CrashType } from "../report/classes.ts";

/** Bug class of a report; reports are ordered and triaged by it (`report/classes.ts`). */
export type { CrashType };

/** How a title picks its frame when the header names none. */
export type FramePick =
  /** The first frame that survives the skip list. */
  | "first"
  /** A stall loops somewhere below a dispatcher: blame the frame above the first anchor (syzkaller `linuxStallFrameExtractor`). */
  | "stall"
  /** A hung task sleeps in a generic wait: blame its first caller outside the wait machinery (syzkaller `linuxHangTaskFrameExtractor`). */
  | "hang";

/**
 * One console signature.
 *
 * `header` is tested against a single console line with the printk prefix
 * removed and leading blanks trimmed. `report`, when given, is matched against
 * the report's text from the header line on (lines joined by `"\n"`); its
 * match, or the header's when there is no `report`, is what `title` gets. A
 * group named `func` in that match is the frame the kernel itself blames
 * (`BUG: KASAN: … in func+0x…`, `WARNING: … at file:line func+0x…`, lockdep's
 * `at: func+0x…`); it is used first unless the skip list rejects it.
 */
export interface OopsFormat {
  /** Starts a report; one line, anchored with `^`. */
  readonly header: RegExp;
  /** Refines the match over the report's text; no match = corrupted report. */
  readonly report?: RegExp;
  /** Lines walked in order, each after the previous, before the stack is read. */
  readonly frameAfter?: readonly RegExp[];
  /** Function names that are never guilty (tested against names without `.isra.0`-style suffixes). */
  readonly skip: readonly RegExp[];
  /** How to choose among the surviving frames; default `"first"`. */
  readonly pick?: FramePick;
  /** The title takes no frame (`frame` is `""`). */
  readonly noFrame?: true;
  /**
   * Printed as a consequence of another report (`Kernel panic - not syncing`
   * after an oops): starts a report only when no report came before it.
   */
  readonly followsOops?: true;
  /** Ends the report (inclusive), besides the common `---[ end trace`. */
  readonly end?: RegExp;
  /** Says why a report is corrupted even though it matched, or `undefined`. */
  readonly corrupted?: (m: RegExpMatchArray) => string | undefined;
  /** The title, before sanitising; `frame` is `"corrupted"` when none was found. */
  readonly title: (m: RegExpMatchArray, frame: string) => string;
  readonly type: CrashType;
}

/**
 * A named group of a match, `""` when absent.
 *
 * @example
 * ```ts
 * import { group } from "./oopses.ts";
 * const m = "at: foo+0x1/0x2".match(/at: (?<func>\w+)/)!;
 * if (group(m, "func") !== "foo" || group(m, "kind") !== "") throw new Error();
 * ```
 */
export function group(m: RegExpMatchArray, name: string): string {
  return m.groups?.[name] ?? "";
}

const FUNC = String.raw`[A-Za-z_][\w.]*`;
const OFF = String.raw`\+0x[0-9a-f]+\/0x[0-9a-f]+`;

/** Reporting, trap and sanitizer machinery: in every stack, never the bug. */
export const COMMON_SKIP: readonly RegExp[] = [
  // sanitizers and coverage
  /^__sanitizer_cov/,
  /^_*kasan_/,
  /^__asan_/,
  /^_*kmsan_/,
  /^__msan_/,
  /^(?:__)?ubsan_/,
  /^check_memory_region/,
  /^__fortify_/,
  // report printing
  /^(?:__)?dump_stack/,
  /^show_stack/,
  /^show_regs/,
  /^print_/,
  /^__print_/,
  /^end_report$/,
  /^_?printk/,
  /^vprintk/,
  /^panic$/,
  /^check_panic_on_warn$/,
  // WARN/BUG trap path
  /^__warn/,
  /^warn_slowpath/,
  /^report_bug$/,
  /^handle_bug$/,
  /^fixup_bug$/,
  /^handle_invalid_op$/,
  /^(?:asm_)?exc_invalid_op$/,
  /^asm_exc_/,
  /^do_error_trap$/,
  /^do_trap$/,
  /^(?:__)?die(?:_body)?$/,
  // page-fault path
  /^(?:asm_)?exc_page_fault$/,
  /^do_(?:user|kern)_addr_fault$/,
  /^page_fault_oops$/,
  /^kernelmode_fixup_or_oops$/,
  /^(?:__)?bad_area/,
  // lockdep and lock primitives
  /^lockdep_/,
  /^__lockdep_/,
  /^lock_acquire/,
  /^lock_release/,
  /^__lock_acquire/,
  /^lock_is_held/,
  /^validate_chain$/,
  /^mark_lock/,
  /^valid_state$/,
  /^check_/,
  /^debug_check_no_locks/,
  /^reacquire_held_locks$/,
  /^__mutex_lock/,
  /^mutex_lock/,
  /^mutex_unlock/,
  /^__mutex_unlock/,
  /^_raw_spin_/,
  /^_raw_read_/,
  /^_raw_write_/,
  /^do_raw_spin_/,
  /^rt_spin_/,
  /^(?:__)?down_(?:read|write)/,
  /^(?:__)?up_(?:read|write)/,
  /^osq_(?:un)?lock$/,
  // might_sleep() and friends
  /^(?:__)?might_sleep/,
  /^___might_sleep/,
  /^__might_resched$/,
  /^(?:__)?might_fault$/,
  // RCU internals
  /^(?:__)?rcu_/,
  // checkers whose caller is the bug
  /^refcount_/,
  /^__refcount_/,
  /^__list_(?:add|del)/,
  /^list_(?:add|del)/,
  // string and copy helpers
  /^(?:__)?mem(?:cpy|set|move|cmp|chr)$/,
  /^(?:sized_)?str(?:n?cmp|n?cpy|l?cpy|scpy|n?len|chr|nstr)$/,
  /^_?_?copy_(?:to|from)_user/,
  // syscall dispatch table and debugfs's file-operations proxy
  /^x64_sys_call$/,
  /^full_proxy_/,
  // ftrace prologue aliases
  /^__pfx_/,
];

/**
 * Where the kernel returns to user space (a leaked atomic state shows up
 * there), or where a task dies on that way back: a fatal signal taken on
 * return (`exit_to_user_mode` → `get_signal` → `do_exit`) schedules last in
 * `do_task_dead`.
 */
const RETURN_TO_USER =
  /^(?:(?:syscall_|irqentry_)?exit_to_user_mode(?:_loop|_prepare)?|do_task_dead)$/;

/** Sleeping primitives: a sleep in atomic context blames whoever called them. */
export const SLEEP_SKIP: readonly RegExp[] = [
  /^msleep/,
  /^ssleep$/,
  /^usleep_range/,
  /^schedule_timeout/,
  /^_?_?cond_resched/,
  /^(?:__)?wait_for_/,
  /^wait_event/,
  /^down(?:_interruptible|_killable|_timeout)?$/,
];

/** The slab and page allocators: a WARNING raised inside them blames their caller. */
export const ALLOC_SKIP: readonly RegExp[] = [
  /^_{0,3}kmalloc/,
  /^kmalloc_trace/,
  /^_{0,3}kmem_cache_alloc/,
  /^k[zc]alloc/,
  /^krealloc/,
  /^_{0,2}kvmalloc/,
  /^kvzalloc/,
  /^_{0,2}vmalloc/,
  /^vzalloc/,
  /^_{0,3}slab_/,
  /^kmemleak_/,
  /^__alloc_/,
  /^alloc_pages/,
  /^__get_free_pages/,
  /^kstrn?dup/,
  /^kmemdup/,
  /^(?:strndup|memdup)_user/,
  /^kv?asprintf/,
];

/**
 * kmemleak stacks start inside the allocator, then helpers that only wrap
 * it; syzkaller matches these as substrings anywhere in the name, so
 * `sk_alloc` and `strndup_user` are skipped as well.
 */
export const KMEMLEAK_SKIP: readonly RegExp[] = [
  /kmemleak/,
  /kmalloc/,
  /kcalloc/,
  /kzalloc/,
  /vmalloc/,
  /mmap/,
  /kmem/,
  /slab/,
  /alloc/,
  /create_object/,
  /idr_get/,
  /list_lru_init/,
  /kasprintf/,
  /kvasprintf/,
  /pcpu_create/,
  /strdup/,
  /strndup/,
  /memdup/,
];

/** Entry points below which a stall's looping code is blamed (syzkaller `linuxStallAnchorFrames`). */
export const STALL_ANCHORS: readonly RegExp[] = [
  /process_one_work/,
  /do_syscall_/,
  /do_fast_syscall_/,
  /netif_receive_skb/,
  /do_softirq/,
  /call_timer_fn/,
  /_run_timers/,
  /run_timer_softirq/,
  /run_ksoftirqd/,
  /smpboot_thread_fn/,
  /kthread/,
  /start_secondary/,
  /cpu_startup_entry/,
  /ret_from_fork/,
  /vfs_write/,
  /vfs_read/,
  /vfs_iter_read/,
  /vfs_iter_write/,
  /vfs_ioctl/,
  /^call_read_iter/,
  /^call_write_iter/,
  /do_iter_readv_writev/,
  /^call_mmap/,
  /mmap_region/,
  /do_mmap/,
  /do_dentry_open/,
  /vfs_open/,
  /^sock_sendmsg/,
  /^sock_recvmsg/,
  /^sock_release/,
  /^__sock_release/,
  /__sys_setsockopt/,
  /__sys_listen/,
  /__sys_accept/,
  /^sock_do_ioctl/,
  /^sock_ioctl/,
  /^(?:compat_)?(?:__sys|___sys|__do_sys|__se_sys|__x64_sys)_(?:socketpair|connect|ioctl)/,
  /__do_fault/,
  /handle_mm_fault/,
  /__fput/,
  /task_work_run/,
  /exit_to_user_mode/,
];

/** Syscall wrapper prefixes a stall title drops (`__x64_sys_ioctl` → `sys_ioctl`). */
export const STALL_STRIP_PREFIXES: readonly string[] = [
  "__x64_",
  "__ia32_sys_",
  "__ia32_",
  "SYSC_",
  "SyS_",
  "compat_SYSC_",
  "compat_SyS_",
];

/** Hung tasks blocked here are grouped by the lock, not the caller. */
export const HANG_ANCHORS: ReadonlyMap<string, string> = new Map([
  ["rtnl_lock", ""],
  ["synchronize_rcu", "synchronize_rcu"],
  ["synchronize_srcu", "synchronize_rcu"],
  ["synchronize_net", "synchronize_rcu"],
  ["synchronize_sched", "synchronize_rcu"],
]);

/** Substrings of the sleep and wait machinery a hung task is parked in. */
export const HANG_SKIP: readonly string[] = [
  "sched",
  "_lock",
  "_slowlock",
  "down",
  "completion",
  "kthread",
  "wait",
  "synchronize",
  "context_switch",
  "__switch_to",
  "cancel_delayed_work",
  "flush_work",
  "flush_workqueue",
];

const CALL_TRACE = /^Call [Tt]race:/;
const STACK_BACKTRACE = /^stack backtrace:$/;

/** Lockdep splats: the lock site is named by `at:`, the stack follows `stack backtrace:`. */
const LOCKDEP_SKIP: readonly RegExp[] = [...COMMON_SKIP, /^lock_sock/, /^release_sock$/];

// A panic line is corrupted when it is the aftermath of an oops the log lost.
function panicAftermath(m: RegExpMatchArray): string | undefined {
  return /Fatal exception|panic_on_warn set|hung_task: blocked tasks|softlockup: hung tasks/
      .test(group(m, "msg"))
    ? "the report this panic follows is not in the log"
    : undefined;
}

// KASAN names the bad access's kind; `double-free or invalid-free` is one kind.
function kasanKind(m: RegExpMatchArray): string {
  const kind = group(m, "kind");
  return kind === "double-free or invalid-free" ? "invalid-free" : kind;
}

/**
 * The table; the first row whose `header` matches a line wins.
 *
 * @example
 * ```ts
 * import { OOPSES } from "./oopses.ts";
 * const line = "kernel BUG at mm/filemap.c:1499!";
 * if (OOPSES.find((f) => f.header.test(line))?.type !== "BUG") throw new Error();
 * ```
 */
export const OOPSES: readonly OopsFormat[] = [
  // ---- KASAN ----
  {
    header: new RegExp(
      String
        .raw`^BUG: KASAN: (?<kind>double-free or invalid-free|double-free|invalid-free) in (?<func>${FUNC})\+0x`,
    ),
    frameAfter: [CALL_TRACE],
    skip: [...COMMON_SKIP, /^kfree/, /^kmem_cache_free/, /^v(?:un)?free/, /^_*slab_free/],
    end: /^={20,}$/,
    title: (m, frame) => `KASAN: ${kasanKind(m)} in ${frame}`,
    type: "KASAN",
  },
  {
    header: new RegExp(String.raw`^BUG: KASAN: (?<kind>[a-z-]+) in (?<func>${FUNC})\+0x`),
    report: new RegExp(
      String
        .raw`BUG: KASAN: (?<kind>[a-z-]+) in (?<func>${FUNC})\+0x[^\n]*\n(?:[^\n]*\n){0,3}?\s*(?<rw>Read|Write) of size \d+`,
    ),
    frameAfter: [CALL_TRACE],
    skip: COMMON_SKIP,
    end: /^={20,}$/,
    title: (m, frame) =>
      group(m, "rw")
        ? `KASAN: ${group(m, "kind")} ${group(m, "rw")} in ${frame}`
        : `KASAN: ${group(m, "kind")} in ${frame}`,
    type: "KASAN",
  },
  // ---- UBSAN ----
  {
    header: /^UBSAN: (?<kind>[a-z-]+) in /,
    frameAfter: [CALL_TRACE],
    skip: COMMON_SKIP,
    end: /^-{20,}$/,
    title: (m, frame) => `UBSAN: ${group(m, "kind")} in ${frame}`,
    type: "UBSAN",
  },
  // ---- faults: the RIP line names the faulting function ----
  {
    header:
      /^BUG: (?:kernel NULL pointer dereference, address: |unable to handle kernel NULL pointer dereference at )/,
    skip: COMMON_SKIP,
    title: (_m, frame) => `BUG: unable to handle kernel NULL pointer dereference in ${frame}`,
    type: "BUG",
  },
  {
    header: /^BUG: unable to handle page fault for address: /,
    skip: COMMON_SKIP,
    title: (_m, frame) => `BUG: unable to handle page fault in ${frame}`,
    type: "BUG",
  },
  {
    header:
      /^(?:BUG: unable to handle kernel paging request at|Unable to handle kernel paging request at)/,
    skip: COMMON_SKIP,
    title: (_m, frame) => `BUG: unable to handle kernel paging request in ${frame}`,
    type: "BUG",
  },
  {
    // "…, probably for non-canonical address 0x…: 0000" / "…, maybe for address 0x…: 0000".
    header: /^(?:Oops: )?general protection fault(?:, [^:]*)?: [0-9a-f]{4}/,
    skip: COMMON_SKIP,
    title: (_m, frame) => `general protection fault in ${frame}`,
    type: "BUG",
  },
  {
    header: /^(?:Oops: )?divide error: [0-9a-f]{4}/,
    skip: COMMON_SKIP,
    title: (_m, frame) => `divide error in ${frame}`,
    type: "BUG",
  },
  {
    // CONFIG_DEBUG_LIST: "list_add corruption. …" then a BUG in the checker.
    header: /^kernel BUG at lib\/list_debug\.c:\d+!/,
    skip: COMMON_SKIP,
    title: (_m, frame) => `BUG: corrupted list in ${frame}`,
    type: "BUG",
  },
  {
    header: /^kernel BUG at (?<file>[^\s:]+):\d+!/,
    skip: COMMON_SKIP,
    title: (_m, frame) => `kernel BUG in ${frame}`,
    type: "BUG",
  },
  // ---- atomic-context checks (DEBUG_ATOMIC_SLEEP) ----
  {
    header: /^BUG: sleeping function called from invalid context at /,
    frameAfter: [CALL_TRACE],
    skip: [...COMMON_SKIP, ...SLEEP_SKIP, ...ALLOC_SKIP],
    title: (_m, frame) => `BUG: sleeping function called from invalid context in ${frame}`,
    type: "BUG",
  },
  {
    header: /^BUG: scheduling while atomic: /,
    frameAfter: [CALL_TRACE],
    skip: [...COMMON_SKIP, ...SLEEP_SKIP, /^__schedule/, /^schedule/, /^preempt_schedule/],
    // A preempt count leaked past a syscall or interrupt is noticed where the
    // task returns to user space, from whichever path it took: one finding.
    title: (_m, frame) =>
      RETURN_TO_USER.test(frame)
        ? "BUG: scheduling while atomic on return to user mode"
        : `BUG: scheduling while atomic in ${frame}`,
    type: "BUG",
  },
  // ---- memory leaks (kmemleak, console or /sys/kernel/debug/kmemleak) ----
  {
    header: /^unreferenced object 0x[0-9a-f]+ \(size \d+\):/,
    frameAfter: [/^backtrace(?: \(crc [0-9a-f]+\))?:$/],
    skip: [...COMMON_SKIP, ...KMEMLEAK_SKIP],
    title: (_m, frame) => `memory leak in ${frame}`,
    type: "KMEMLEAK",
  },
  // ---- lockdep ----
  {
    header: /^WARNING: possible circular locking dependency detected/,
    report: new RegExp(
      String.raw`is trying to acquire lock:\n[^\n]*at: (?:\[<[0-9a-f]+>\] )?(?<func>${FUNC})\+0x`,
    ),
    frameAfter: [STACK_BACKTRACE],
    skip: LOCKDEP_SKIP,
    title: (_m, frame) => `possible deadlock in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^WARNING: possible recursive locking detected/,
    report: new RegExp(
      String.raw`is trying to acquire lock:\n[^\n]*at: (?:\[<[0-9a-f]+>\] )?(?<func>${FUNC})\+0x`,
    ),
    frameAfter: [STACK_BACKTRACE],
    skip: LOCKDEP_SKIP,
    title: (_m, frame) => `possible deadlock in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^WARNING: possible irq lock inversion dependency detected/,
    report: new RegExp(
      String
        .raw`just changed the state of lock:\n[^\n]*at: (?:\[<[0-9a-f]+>\] )?(?<func>${FUNC})\+0x`,
    ),
    frameAfter: [STACK_BACKTRACE],
    skip: LOCKDEP_SKIP,
    title: (_m, frame) => `possible deadlock in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^WARNING: (?:HARD|SOFT)IRQ-safe -> (?:HARD|SOFT)IRQ-unsafe lock order detected/,
    report: new RegExp(
      String.raw`is trying to acquire:\n[^\n]*at: (?:\[<[0-9a-f]+>\] )?(?<func>${FUNC})\+0x`,
    ),
    frameAfter: [STACK_BACKTRACE],
    skip: LOCKDEP_SKIP,
    title: (_m, frame) => `possible deadlock in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^WARNING: inconsistent lock state/,
    report: new RegExp(String.raw`takes:\n[^\n]*at: (?:\[<[0-9a-f]+>\] )?(?<func>${FUNC})\+0x`),
    frameAfter: [STACK_BACKTRACE],
    skip: LOCKDEP_SKIP,
    title: (_m, frame) => `inconsistent lock state in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^WARNING: suspicious RCU usage/,
    frameAfter: [CALL_TRACE],
    skip: [...COMMON_SKIP, /rcu/, /^kmem/, /slab/, /^k[mzc]alloc/, /vmalloc/],
    title: (_m, frame) => `WARNING: suspicious RCU usage in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^WARNING: bad unlock balance detected!/,
    report: new RegExp(
      String
        .raw`is trying to release lock[^\n]*\n(?:[^\n]*\n){0,2}?\s*(?:\[<[0-9a-f]+>\] )?(?<func>${FUNC})\+0x`,
    ),
    frameAfter: [STACK_BACKTRACE],
    skip: LOCKDEP_SKIP,
    title: (_m, frame) => `WARNING: bad unlock balance in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^WARNING: held lock freed!/,
    report: new RegExp(
      String
        .raw`with a lock still held there!\n[^\n]*at: (?:\[<[0-9a-f]+>\] )?(?<func>${FUNC})\+0x`,
    ),
    frameAfter: [STACK_BACKTRACE],
    skip: LOCKDEP_SKIP,
    title: (_m, frame) => `WARNING: held lock freed in ${frame}`,
    type: "LOCKDEP",
  },
  {
    header: /^INFO: trying to register non-static key/,
    frameAfter: [CALL_TRACE],
    skip: [...LOCKDEP_SKIP, /^register_lock_class$/, /^__raw_spin_lock_init$/],
    title: (_m, frame) => `INFO: trying to register non-static key in ${frame}`,
    type: "LOCKDEP",
  },
  // ---- WARNING (WARN_ON, lockdep_assert_held, refcount_t) ----
  {
    // 6.12: "WARNING: CPU: 0 PID: 1 at lib/refcount.c:28 refcount_warn_saturate+0x…";
    // later: "WARNING: lib/refcount.c:19 at …, CPU#1: comm/pid".
    header: /^WARNING: (?:CPU: \d+ PID: \d+ at lib\/refcount\.c:\d+ |lib\/refcount\.c:\d+ at )/,
    skip: [...COMMON_SKIP, /refcount/],
    title: (_m, frame) => `WARNING: refcount bug in ${frame}`,
    type: "WARNING",
  },
  {
    header: new RegExp(
      String
        .raw`^WARNING: CPU: \d+ PID: \d+ at kernel\/locking\/lockdep\.c:\d+ (?:(?<func>${FUNC})${OFF})?`,
    ),
    skip: [...LOCKDEP_SKIP, /^hlock_class$/, /^__lock_/],
    title: (_m, frame) => `WARNING: locking bug in ${frame}`,
    type: "LOCKDEP",
  },
  {
    // Also lockdep_assert_held() failures: 6.12 prints them as a plain WARN_ON.
    header: new RegExp(
      String.raw`^WARNING: CPU: \d+ PID: \d+ at \S+:\d+ (?:(?<func>${FUNC})${OFF})?`,
    ),
    skip: [...COMMON_SKIP, ...ALLOC_SKIP],
    title: (_m, frame) => `WARNING in ${frame}`,
    type: "WARNING",
  },
  {
    // The format kernels after 6.12 print: "WARNING: file:line at func+0x…/0x…, CPU#1: comm/pid".
    header: new RegExp(
      String.raw`^WARNING: \S+:\d+ at (?:(?<func>${FUNC})${OFF}|0x[0-9a-f]+), CPU#\d+`,
    ),
    skip: [...COMMON_SKIP, ...ALLOC_SKIP],
    title: (_m, frame) => `WARNING in ${frame}`,
    type: "WARNING",
  },
  // ---- hangs ----
  {
    // The task name can hold a newline; then the line ends without its ":pid".
    header: /^INFO: task (?:.*:\d+ blocked (?:in I\/O wait )?for more than \d+ seconds|[^:]*$)/,
    frameAfter: [CALL_TRACE],
    skip: COMMON_SKIP,
    pick: "hang",
    title: (_m, frame) => `INFO: task hung in ${frame}`,
    type: "HANG",
  },
  {
    header: /^(?:watchdog: )?BUG: soft lockup - CPU#\d+ stuck for \d+s!/,
    skip: COMMON_SKIP,
    pick: "stall",
    title: (_m, frame) => `BUG: soft lockup in ${frame}`,
    type: "HANG",
  },
  {
    header:
      /^(?:rcu: )?INFO: rcu_(?:preempt|sched|bh|tasks\w*) (?:self-)?detected(?: expedited)? stalls?/,
    skip: COMMON_SKIP,
    pick: "stall",
    title: (_m, frame) => `INFO: rcu detected stall in ${frame}`,
    type: "HANG",
  },
  {
    header: /^BUG: workqueue lockup - /,
    skip: COMMON_SKIP,
    noFrame: true,
    title: () => "BUG: workqueue lockup",
    type: "HANG",
  },
  // ---- panic with no oops before it ----
  {
    header: /^Kernel panic - not syncing: (?<msg>.*)$/,
    frameAfter: [CALL_TRACE],
    skip: COMMON_SKIP,
    noFrame: true,
    followsOops: true,
    end: /^---\[ end Kernel panic/,
    corrupted: panicAftermath,
    title: (m) => `Kernel panic - not syncing: ${group(m, "msg")}`,
    type: "PANIC",
  },
];
