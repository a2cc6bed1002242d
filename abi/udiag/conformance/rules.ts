/**
 * The udiag ABI's rules, one per conformance test, with stable IDs. Each names
 * the RFC code path it comes from (abi/udiag/rfc/000_aa391f59f6e4613c.txt); rules the
 * RFC leaves open carry `interpretation`, the reading we test and why.
 *
 * IDs never change meaning; a retired rule keeps its ID out of use.
 *
 * @module
 */

import type { Rule } from "../../../conformance/rule.ts";
import { catalog } from "../../../harness/catalog.ts";

const RULE_LIST: readonly Rule[] = [
  {
    id: "UD-OPEN-001",
    statement: "root opens /dev/udiag read-write",
    source: "create_user_diag_device: char device of class udiag",
  },
  {
    id: "UD-IOC-001",
    statement: "an unknown ioctl number fails with ENOTTY",
    source: "diag_dev_ioctl: default case",
  },
  {
    id: "UD-REG-001",
    statement: "DIAG_IOCSREG of a new name returns an index >= 1",
    source: "diag_dev_ioctl DIAG_IOCSREG; register_diag_event; index 0 reserved at init",
  },
  {
    id: "UD-REG-002",
    statement: "the same name registered from another file returns the same index",
    source: "register_diag_event: find_diag_event",
    byDesign:
      "Names are global: any process that can open the device joins an existing event by its name and writes records into it, whoever registered it (SEC-XU-003).",
  },
  {
    id: "UD-REG-003",
    statement: "a second DIAG_IOCSREG on one file fails with EMFILE",
    source: 'diag_dev_ioctl: "Already associated with an event"',
  },
  {
    id: "UD-REG-004",
    statement: "distinct names get distinct indexes",
    source: "register_diag_event: find_first_zero_bit + set_bit",
  },
  {
    id: "UD-REG-005",
    statement: "a 95-byte name registers; a 96-byte name fails with EINVAL",
    source: "strndup_user(ubuf, MAX_EVENT_NAME) counts the NUL",
  },
  {
    id: "UD-REG-006",
    statement:
      "an unterminated name fails with EINVAL (>= 96 bytes) or EFAULT (runs into unmapped memory)",
    source: "strndup_user: strnlen_user",
  },
  {
    id: "UD-REG-007",
    statement: "a NULL or unmapped name pointer fails with EFAULT",
    source: "strndup_user",
  },
  {
    id: "UD-REG-008",
    statement: "an empty name fails with EINVAL",
    source: "register_diag_event",
    interpretation:
      'The RFC registers "" as an event whose tracefs directory cannot exist; we require a name.',
  },
  {
    id: "UD-REG-009",
    statement: "a name with bytes outside [A-Za-z0-9_] fails with EINVAL",
    source: "register_diag_event",
    interpretation:
      "The RFC accepts any bytes, so '/', '..', spaces, control bytes and format specifiers become tracefs paths and event names consumers must parse; we require C-identifier characters.",
  },
  {
    id: "UD-REG-010",
    statement:
      "a registered event appears as events/udiag/<name> with the RFC's fields and print format",
    source: "diag_event_define_fields; print_fmt",
  },
  {
    id: "UD-REG-011",
    statement:
      "distinct names registered at the same time from several processes get distinct indexes, and each is found again by its name afterwards",
    source: "diag_dev_ioctl DIAG_IOCSREG: register_mutex around register_diag_event",
    interpretation:
      "Four processes register eight names each at one signal. An index is found free (find_first_zero_bit) long before it is taken (set_bit, after the event is added to tracefs), so registrations not serialized hand one index to two events or lose one from the name table.",
  },
  {
    id: "UD-REG-012",
    statement:
      "an event can be enabled from tracefs from the moment tracefs lists it: a tracer enabling the system's events while names are registered gets no error",
    source:
      "register_diag_event: trace_add_event_call(), then diag->call.data = diag; diag_event_reg",
    interpretation:
      "A Worker writes 1 to events/udiag/enable of a trace instance in a loop while the rule registers 192 names. Each write enables, under event_mutex, every udiag event not enabled yet in the instance, and fails with the first error a reg() returned. An event published to the tracing core before its class's reg() can serve it fails that enable (the RFC's ENOENT while call->data is NULL) or, without the check, oopses on it. The tracer's instance is the newest of sixteen, which the tracing core adds each new event to first: the window lasts while the event is added to the other fifteen.",
  },
  {
    id: "UD-DEL-001",
    statement: "DIAG_IOCSDEL of an unknown name fails with ENOENT",
    source: "delete_diag_event: find_diag_event",
  },
  {
    id: "UD-DEL-002",
    statement: "DIAG_IOCSDEL of an event an open file holds fails with EBUSY",
    source: "delete_diag_event: refs != 0",
  },
  {
    id: "UD-DEL-003",
    statement: "DIAG_IOCSDEL of an event enabled in tracefs fails with EBUSY",
    source: "delete_diag_event: refs counts diag_event_reg registrations",
  },
  {
    id: "UD-DEL-004",
    statement: "DIAG_IOCSDEL of an event a perf event holds fails with EBUSY",
    source: "delete_diag_event; diag_event_reg TRACE_REG_PERF_REGISTER",
  },
  {
    id: "UD-DEL-005",
    statement: "DIAG_IOCSDEL after the last holder closed succeeds and removes the tracefs event",
    source: "diag_dev_release; destroy_diag_event",
    byDesign:
      "Events have no owner: any process that can open the device deletes an event nobody holds, whoever registered it (SEC-XU-002).",
  },
  {
    id: "UD-DEL-006",
    statement: "a deleted event's index is reused by the next new name",
    source: "destroy_diag_event: clear_bit; register_diag_event: find_first_zero_bit",
  },
  {
    id: "UD-DEL-007",
    statement:
      "DIAG_IOCSDEL copies its name like DIAG_IOCSREG: EFAULT for bad pointers, EINVAL for 96 bytes",
    source: "diag_dev_ioctl DIAG_IOCSDEL: strndup_user",
  },
  {
    id: "UD-DEL-008",
    statement:
      "DIAG_IOCSDEL racing DIAG_IOCSREG and another DIAG_IOCSDEL of the same names answers ok, ENOENT or EBUSY, and leaves each name one whole event or none",
    source: "diag_dev_ioctl DIAG_IOCSDEL: register_mutex around delete_diag_event",
    interpretation:
      "Three threads of one process, on three CPUs' worth of time: one registers four names over and over, each on a file it closes again, two delete them, for three seconds. A delete not serialized with a registration frees the event the registration has just found and is about to take a reference on; two deletes of one event free it twice. The kernel's reports (KASAN) are the oracle for those; the rule checks the answers and that each name deletes and registers afresh afterwards.",
  },
  {
    id: "UD-WR-001",
    statement: "write on a file without a registered event fails with ENOENT",
    source: "diag_dev_write: !file->private_data",
  },
  {
    id: "UD-WR-002",
    statement: "a zero-length write fails with EFAULT",
    source: "diag_dev_write: count <= 0",
    interpretation: "EFAULT is the RFC's choice (EINVAL would be usual); we keep the RFC's errno.",
  },
  {
    id: "UD-WR-003",
    statement: "pwrite at a non-zero offset fails with EFAULT",
    source: "diag_dev_write: *ppos != 0",
  },
  {
    id: "UD-WR-004",
    statement: "write returns the byte count for 1, 64, 4096 and 65536 bytes while not traced",
    source: "diag_dev_write: return count",
    interpretation:
      "Traced, a write either reaches the sinks whole or fails: UD-SZ-001 and UD-SZ-002 test the sizes at every limit.",
  },
  {
    id: "UD-WR-005",
    statement:
      "a traced write from an unmapped buffer fails with EFAULT and emits no record; untraced, nothing reads the buffer and write returns the byte count",
    source:
      "diag_dev_write: return count; diag_probe_trace: copy_from_user failure drops the record",
    interpretation:
      "The RFC returns the count even when the payload could not be read, so the record vanishes behind a success; as for sizes (UD-SZ-001), a traced write reaches the sinks or fails.",
  },
  {
    id: "UD-WR-006",
    statement:
      "a traced write whose buffer runs from a mapped page into an unmapped one fails with EFAULT and emits no record, whole or partial",
    source: "diag_dev_write; diag_probe_trace: copy_from_user",
    interpretation: "As UD-WR-005; what must never show is a record of the bytes before the hole.",
  },
  {
    id: "UD-WR-007",
    statement:
      "a traced write from a mapped page never touched before (the copy faults it in) emits its record whole",
    source: "diag_dev_write; diag_probe_trace: copy_from_user",
    interpretation:
      "The copy may fault; a sink must still get the payload. The RFC copies with preemption disabled, where such a fault cannot be served.",
  },
  {
    id: "UD-MM-001",
    statement: "mmap of one page PROT_READ MAP_SHARED succeeds",
    source: "diag_dev_mmap",
  },
  {
    id: "UD-MM-002",
    statement: "mmap of more than one page fails with EFAULT",
    source: "diag_dev_mmap: size != MAX_PROVIDERS",
  },
  {
    id: "UD-MM-003",
    statement: "mmap with PROT_WRITE fails with EPERM, shared or private",
    source: "diag_dev_mmap: remap_pfn_range(PAGE_READONLY)",
    interpretation:
      "The RFC maps the page with PAGE_READONLY but leaves VM_WRITE and VM_MAYWRITE to the caller; the page is kernel state shared by every process, so no writable mapping may exist.",
  },
  {
    id: "UD-MM-004",
    statement: "mprotect(PROT_WRITE) of the mapped page fails with EACCES",
    source: "diag_dev_mmap",
    interpretation: "Follows UD-MM-003: VM_MAYWRITE is cleared.",
  },
  {
    id: "UD-MM-005",
    statement: "mmap at a non-zero offset fails with EINVAL",
    source: "diag_dev_mmap",
    interpretation: "The RFC ignores the offset and maps the same page; only offset 0 names it.",
  },
  {
    id: "UD-MM-006",
    statement: "every byte of the page is 0 except those of traced events",
    source: "trace_events_user_diag_init; update_reg_page_for",
    interpretation:
      "The RFC's kmalloc()ed page is not zeroed; stale heap bytes must not be visible.",
  },
  {
    id: "UD-TR-001",
    statement: "enabling events/udiag/<name> sets its enable byte to 1; disabling sets it to 0",
    source: "diag_event_reg; update_reg_page_for",
    byDesign:
      "The page is shared: every process that maps it reads every event's enable byte, so it learns which events are traced (SEC-XU-004).",
  },
  {
    id: "UD-TR-002",
    statement:
      "a payload is recovered byte for byte from the ftrace buffer using only the format file",
    source: "diag_probe_trace; diag_event_define_fields",
  },
  {
    id: "UD-TR-003",
    statement:
      "a perf_event_open on the event sets the enable byte and receives the payload byte for byte",
    source: "diag_probe_perf; diag_event_reg TRACE_REG_PERF_REGISTER",
  },
  {
    id: "UD-TR-004",
    statement: "no record is emitted while the event is not traced",
    source: "diag_dev_write: tp->key.enabled",
  },
  {
    id: "UD-BPF-001",
    statement:
      "an eBPF tracepoint program attached to the event reads, at the offsets the format file publishes, the payload byte for byte",
    source: "diag_probe_perf: trace_call_bpf(&diag->call, &context)",
    interpretation:
      "The RFC promises eBPF consumers but publishes no context layout; a program attached with PERF_EVENT_IOC_SET_BPF is a tracepoint program, whose context is the event's record (the kernel hides its first 8 bytes), so the format file is the layout it can rely on.",
  },
  {
    id: "UD-SZ-001",
    statement:
      "while ftrace traces the event, a write at each size limit either returns its count and its record arrives whole, or fails with an errno and leaves no record",
    source: "diag_dev_write: return count; diag_probe_trace: trace_event_buffer_reserve",
    interpretation:
      "The RFC promises the payload to the sinks and returns the count whether a record was made or not; a write that returns its count while the record silently vanishes breaks that promise. The sizes: 0, 1, ±1 around PAGE_SIZE, the ring buffer's data page and its largest event, PERF_MAX_TRACE_SIZE and its largest record, 64 KiB and 1 MiB.",
  },
  {
    id: "UD-SZ-002",
    statement:
      "while perf traces the event, a write at each size limit either returns its count and its sample arrives whole, or fails with an errno and leaves no sample",
    source: "diag_dev_write: return count; diag_probe_perf: perf_trace_buf_alloc",
    interpretation: "As UD-SZ-001, for perf's sink.",
  },
  {
    id: "UD-SZ-003",
    statement:
      "while ftrace traces the event, a write of the largest payload every sink holds whole returns its count and its record arrives whole; one byte more fails with E2BIG and leaves no record",
    source: "diag_dev_write: if (count > MAX_PAYLOAD) return -E2BIG",
    interpretation:
      "The bound UD-SZ-001 lets a module choose, fixed: one event of the smallest ring-buffer sub-buffer (abi.ts maxTracedPayload, 4048 bytes with 4 KiB pages). A smaller bound refuses payloads the sinks hold; a larger one or another errno is what mutation analysis showed UD-SZ-001 cannot see. The RFC has no bound.",
  },
  {
    id: "UD-FI-001",
    statement:
      "while ftrace traces the event, a write whose N-th fault point fails (its payload's user copy under fail_usercopy, or an allocation) returns an errno and leaves no record, for each N the write reaches; past the last one its record arrives whole",
    source: "diag_probe_trace: if (!copy_from_user(...)) trace_event_buffer_commit(&event_buffer)",
    interpretation:
      "As for sizes (UD-SZ-001), a traced write reaches the sink or fails. The RFC leaves the reserved event uncommitted when the copy fails; the health probe after the rule sees what that leaves behind. Needs the faults kernel profile (fail-nth).",
    profile: "faults",
  },
  {
    id: "UD-FI-002",
    statement:
      "while perf traces the event, a write whose N-th fault point fails returns an errno and leaves no sample, for each N the write reaches; past the last one its sample arrives whole",
    source: "diag_probe_perf: if (copy_from_user(perf_entry->udata, ...)) return",
    interpretation:
      "As UD-FI-001, for perf's sink. The RFC returns from the probe without submitting the buffer it took from perf_trace_buf_alloc(). Needs the faults kernel profile (fail-nth).",
    profile: "faults",
  },
  {
    id: "UD-FI-003",
    statement:
      "a DIAG_IOCSREG whose N-th fault point fails either returns ENOMEM, EFAULT or ENODEV and leaves no event, no bound file and no used index, or registers it at the index a new name gets, for each N it reaches; past the last one it registers it",
    source:
      "diag_ioctl_reg / register_event: strndup_user, kmalloc of the event, trace_add_event_call",
    interpretation:
      "The RFC states no errors for a failed registration; a failure that leaves a tracefs event, binds the file (the next DIAG_IOCSREG says EMFILE) or keeps its index taken is damage user space cannot undo. The name's copy fails with EFAULT, an allocation with ENOMEM, and register_trace_event() with ENODEV (it answers 0 for any failure, hiding an allocation's; the RFC's errno); some fault points are absorbed by the tracing core, and then the module's side must be whole (the index, a name that deletes); the core itself once returned success with no tracefs directory made, which is the core's to answer for. Needs the faults kernel profile (fail-nth).",
    profile: "faults",
  },
  {
    id: "UD-FI-005",
    statement:
      "a DIAG_IOCSREG that takes the type id where the tracing core's id allocator must grow, with its N-th fault point failing, either fails with ENOMEM, EFAULT or ENODEV and leaves no event, or registers at the index a new name gets, for each N it reaches",
    source: "register_diag_event: if (!register_trace_event(...)) return -ENODEV",
    interpretation:
      "register_trace_event() fails only when its IDA cannot take an id (65535 less the kernel's own, more than 4095 events can use) or cannot allocate, which it does once per 1024 ids: at the 64th id of a chunk no event uses (harness/trace/type_ids.ts). The rule fills such a chunk to there, shows the point is one (the registration there reaches more fault points than one past it), and fails each fault point of it in turn, refilling the chunk between. EINVAL is a bad name's, not this. Needs the faults kernel profile (fail-nth).",
    profile: "faults",
  },
  {
    id: "UD-CAP-001",
    statement: "exactly PAGE_SIZE-1 events fit; the next DIAG_IOCSREG fails with EMFILE",
    source: "MAX_PROVIDERS = PAGE_SIZE; bit 0 set at init; register_diag_event: -EMFILE",
    byDesign:
      "The PAGE_SIZE-1 indexes are shared by all users with no per-user quota, and events outlive the files that made them: one user can take them all (SEC-CAP-001).",
  },
  {
    id: "UD-CAP-002",
    statement: "after a delete at capacity, a new name registers and reuses the freed index",
    source: "destroy_diag_event: clear_bit",
  },
  {
    id: "UD-MOD-001",
    statement:
      "the module unloads while events it registered remain (no file open, none traced) with no kernel report, leaving no device and no event; loaded again, it starts afresh: a new name gets index 1",
    source: "the RFC's code is built in (no exit path); our module's udiag_exit()",
    interpretation:
      "Only a loadable module has this life cycle, so the rule runs on the kmod target only. An exit path that frees events unlocked, leaks one, or leaves a module reference behind (a tracer that came and went must give its reference back) shows here.",
    targets: ["kmod"],
  },
  {
    id: "UD-FI-004",
    statement:
      "loading the module with one of its last fault points failing (its init's allocations among them) fails with ENOMEM or EFAULT and leaves no module and no device, or loads a module that works afresh; for each of the last 128 fault points of a load",
    source: "our module's udiag_init() error path; the RFC's init is built in",
    interpretation:
      "An init that fails must undo what it did and say why (ENOMEM for an allocation); one that ignores a failed allocation loads a module that breaks later. Counted from the load's end (fail-nth armed past its reach counts the points), since the loader's own allocations come first; swept six times, since a slab refill now and then shifts the numbering. Needs the faults kernel profile (fail-nth) and the kmod target.",
    profile: "faults",
    targets: ["kmod"],
  },
];

/** The udiag rules, by ID and in table order. */
export const UDIAG_RULES = catalog("rule", RULE_LIST);

/** Rules by ID. */
export const RULES: ReadonlyMap<string, Rule> = UDIAG_RULES.byId;

/** All rules in ID order of the table. */
export function allRules(): readonly Rule[] {
  return UDIAG_RULES.all;
}

/** The rule of an ID; throws for an unknown ID (a typo in a test). */
export function ruleById(id: string): Rule {
  return UDIAG_RULES.get(id);
}
