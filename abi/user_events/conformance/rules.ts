/**
 * The user_events rules of Linux 6.12.117, one per conformance test, with
 * stable IDs `UE-<AREA>-NNN`. Every `source` cites the line of the uapi
 * header (`H:n`), the documentation (`D:n`) or `kernel/trace/trace_events_user.c`
 * (`U:n`) it comes from, with NOTES.md's short names and line numbers.
 *
 * IDs never change meaning; a retired rule keeps its ID out of use.
 *
 * @module
 */
import type { Rule } from "../../../conformance/rule.ts";
import { catalog } from "../../../harness/catalog.ts";

const RULE_LIST: readonly Rule[] = [
  {
    id: "UE-IOC-001",
    statement: "an ioctl other than DIAG_IOCSREG/DEL/UNREG fails with ENOTTY",
    source: "U:2725 (user_events_ioctl default); H:83-92",
  },
  {
    id: "UE-REG-001",
    statement:
      "DIAG_IOCSREG returns write_index 0, 1, … per distinct event on one fd, counting from 0 on each fd",
    source: "U:2401-2439 (user_events_ref_add); U:2572-2574; D:115-117",
  },
  {
    id: "UE-REG-002",
    statement: "registering an event this fd already has, on another bit, returns the same index",
    source: "U:2411-2417",
  },
  {
    id: "UE-REG-003",
    statement:
      "a second registration of the same enable_addr and enable_bit fails with EADDRINUSE, before name_args is read",
    source: "U:2523-2525; U:604-615; U:893-907",
  },
  {
    id: "UE-REG-004",
    statement: "the same name with different fields fails with EADDRINUSE",
    source: "U:1562-1594 (find_user_event); U:1905-1961",
  },
  {
    id: "UE-REG-005",
    statement: "field lists differing only in '; ' spacing and a trailing ';' match the same event",
    source: "U:1905-1961; U:1211-1212; D:131-163",
  },
  {
    id: "UE-REG-006",
    statement: "enable_size other than 4 or 8 fails with EINVAL",
    source: "U:2467-2478",
  },
  {
    id: "UE-REG-007",
    statement: "enable_bit beyond enable_size*8-1 fails with EINVAL; the last bit is accepted",
    source: "U:2485-2486",
  },
  {
    id: "UE-REG-008",
    statement: "an enable_addr not aligned to enable_size fails with EINVAL",
    source: "U:2481-2482",
  },
  {
    id: "UE-REG-009",
    statement: "a flag bit >= USER_EVENT_REG_MAX fails with EINVAL and creates no event",
    source: "U:2463-2464; H:21-31",
  },
  {
    id: "UE-REG-010",
    statement:
      "struct user_reg size < 28 fails EINVAL, > PAGE_SIZE or a non-zero tail fails E2BIG, a zero tail is accepted",
    source: "U:2451-2460 (copy_struct_from_user)",
  },
  {
    id: "UE-REG-011",
    statement: "a ':' in name_args fails with EINVAL",
    source: "U:1033-1036; U:2124-2125; D:137-139",
  },
  {
    id: "UE-REG-012",
    statement:
      "name_args without a NUL in 512 bytes fails EINVAL; a NULL or faulting name_args fails EFAULT",
    source: "U:2527-2533 (strndup_user, MAX_EVENT_DESC U:36); MU:272-293",
  },
  {
    id: "UE-REG-014",
    statement:
      "a struct field SIZE that does not fit an int (2^31 or more) fails with EINVAL, like any other bad field",
    source: "U:1206; U:1266; U:1283-1284; D:131-163 (field format); NOTES.md §6 (struct SIZE)",
  },
  {
    id: "UE-REG-013",
    statement:
      "a kernel enable_addr fails EFAULT; a read-only or unmapped enable_addr fails ENOMEM",
    source: "U:2489-2491 (access_ok); U:2563-2566; U:435-462; U:937-969",
    interpretation:
      "The kernel reports a non-writable enable word as ENOMEM (enabler creation failed), not EFAULT; NOTES.md §5 step 13.",
  },
  {
    id: "UE-ENABLE-001",
    statement:
      "the enable bit is set while the event is enabled in tracefs and cleared when it is disabled",
    source: "U:593-596; U:617-654; U:1716-1750; D:186-194",
  },
  {
    id: "UE-ENABLE-002",
    statement:
      "registering a disabled event clears its bit at once and leaves the other bits of the word alone",
    source: "U:941-945; U:592-596",
  },
  {
    id: "UE-ENABLE-003",
    statement: "registering an already enabled event sets its bit at once",
    source: "U:941-945; U:593-596",
  },
  {
    id: "UE-ENABLE-004",
    statement:
      "enable_size 4 at an address 4 mod 8 sets the bit in those 4 bytes (upper half of the long on little-endian)",
    source: "U:180-202; U:932-935",
  },
  {
    id: "UE-UNREG-001",
    statement:
      "DIAG_IOCSUNREG clears the bit even while the event is enabled, and a later enable leaves it clear",
    source: "U:2709-2712; U:2628-2657; D:186-225",
  },
  {
    id: "UE-UNREG-002",
    statement:
      "DIAG_IOCSUNREG fails ENOENT for no match, EINVAL for a reserved byte or size < 16, E2BIG for size > PAGE_SIZE",
    source: "U:2613-2623; U:2680; H:66-81",
  },
  {
    id: "UE-WRITE-001",
    statement: "a write with a negative write index fails with EINVAL",
    source: "U:2296-2297",
  },
  {
    id: "UE-WRITE-002",
    statement: "a write with an index this fd has not been given fails with ENOENT",
    source: "U:2308-2314",
  },
  {
    id: "UE-WRITE-003",
    statement: "a write to an event with no probe attached fails with EBADF",
    source: "U:2354-2355 (upstream f6d026eea390)",
  },
  {
    id: "UE-WRITE-004",
    statement:
      "a write to an enabled event returns the byte count including the index and records the payload",
    source: "U:2290; U:2357; U:1466-1470 (print_event_fields); D:260-300",
  },
  {
    id: "UE-WRITE-005",
    statement: "an enabled field-less event accepts a 4-byte write and records it",
    source: "U:2316-2357; U:1642-1665 (upstream 6f05dcabe5c2)",
  },
  {
    id: "UE-WRITE-006",
    statement: "a payload shorter than the fields fails EINVAL; a write under 4 bytes fails EFAULT",
    source: "U:2316-2317; U:2293-2294",
  },
  {
    id: "UE-DEL-001",
    statement: "DIAG_IOCSDEL of an event this fd still has registered fails with EBUSY",
    source: "U:2254-2279; U:2580-2600; D:171-174",
  },
  {
    id: "UE-DEL-002",
    statement: "DIAG_IOCSDEL of a name no event has fails with ENOENT",
    source: "U:2254-2279",
  },
  {
    id: "UE-DEL-003",
    statement:
      "a non-persistent event is deleted automatically once unregistered and closed; DIAG_IOCSDEL then fails ENOENT",
    source: "U:265-338; U:241-263; U:976-985",
  },
  {
    id: "UE-PERSIST-001",
    statement:
      "a PERSIST event survives unregister and close, and DIAG_IOCSDEL from another fd then deletes it",
    source: "H:21-31; D:77-111; U:2219-2225; U:976-985; U:2254-2279",
  },
  {
    id: "UE-DEL-004",
    statement:
      "once a PERSIST event's enabler is unregistered and no fd holds it, DIAG_IOCSDEL deletes it at once (no EBUSY window)",
    source:
      "D:165-184; U:2254-2279; U:976-985; tools/testing/selftests/user_events/abi_test.c:255-270 (TEST_F(user, flags))",
  },
  {
    id: "UE-DYN-001",
    statement:
      "dynamic_events 'u:' creates a persistent event the ioctl reuses; '!u:' deletes it only with matching fields",
    source: "U:1814-1853; U:1949-1950; U:1963-1980; D:17-20",
  },
  {
    id: "UE-STATUS-001",
    statement:
      "user_events_status lists a registered event and marks it 'Used by ftrace' when enabled",
    source: "U:2821-2863; D:227-258",
  },
  {
    id: "UE-MAX-001",
    statement:
      "user_events_max defaults to 32768; at the limit a new event fails EMFILE while existing ones still register",
    source: "U:71; U:2209-2211; U:2944-2952",
  },
  {
    id: "UE-FORK-001",
    statement:
      "a fork child gets copies of the parent's enablers: its word follows tracing, its unregister leaves the parent's, and the parent's keep working after it exits",
    source:
      "NOTES.md §13; L:35-52; U:866-891 (user_event_mm_dup); U:656-680; U:617-654; U:2662-2715; D:223-225; abi_test.c:344-382 (TEST_F(user, forks))",
  },
  {
    id: "UE-CLONE-001",
    statement:
      "a CLONE_VM child shares the mm's enablers: both see each update, an unregister in either removes them for both, and the child's exit keeps them",
    source:
      "NOTES.md §13; L:45-49; U:812-826 (the tasks count); U:2662-2715; U:941-945; abi_test.c:384-418 (TEST_F(user, clones))",
  },
  {
    id: "UE-EXEC-001",
    statement:
      "exec drops the enablers: the new image's word at the same address is never written, and it has no enabler to unregister",
    source: "NOTES.md §13; L:54-60; U:812-864 (user_event_mm_remove); U:2676-2677; D:223-224",
  },
  {
    id: "UE-EXIT-001",
    statement:
      "once the registering process exits, a non-persistent event is deleted by the kernel and a PERSIST one by DIAG_IOCSDEL, within 5 s",
    source: "NOTES.md §13; L:62-68; U:812-864; U:414-433; U:976-985; U:265-338; U:2254-2279",
    interpretation:
      "The enablers' event references are dropped after an RCU grace period (U:414-433, U:862-863), so the rule waits up to 5 s (as abi_test's wait_for_delete waits 10 s) and notes how long DIAG_IOCSDEL answered EBUSY.",
  },
  {
    id: "UE-MULTI-001",
    statement:
      "with USER_EVENT_REG_MULTI_FORMAT the same name with other fields is a second event user_events_multi/NAME.<hex id>, and one DIAG_IOCSDEL of NAME deletes every format of it",
    source:
      "NOTES.md §14; H:21-31; D:95-111; D:176-181; U:1562-1594 (find_user_event); U:2011-2024; U:2194-2197; U:2254-2279; abi_test.c:301-342 (TEST_F(user, multi_format))",
  },
  {
    id: "UE-PERF-001",
    statement:
      "perf_event_open on the event sets the enable bit, a write is a PERF_RECORD_SAMPLE with the payload after the 8-byte header, and closing perf clears the bit",
    source:
      "NOTES.md §8; U:1783-1796 (TRACE_REG_PERF_REGISTER); U:1804-1811; U:1671-1710 (user_event_perf); D:119-122; perf_test.c TEST_F(user, perf_write)",
  },
  {
    id: "UE-SZ-001",
    statement:
      "while ftrace traces the event, a write at each size limit either returns its count and its record arrives whole, or fails with an errno and leaves no record",
    source:
      "U:2284-2357 (user_events_write_core: ret = i->count); U:1632-1667 (user_event_ftrace: trace_event_buffer_reserve of sizeof(entry) + i->count); U:1596-1627; D:260-300",
    interpretation:
      "the ABI promises the payload to the sinks: a write that returns its full count told the writer the record was made, so a record that vanishes (a reserve larger than the ring buffer's max event just returns, U:1648-1651) is a silent loss, not an error the writer can see",
  },
  {
    id: "UE-SZ-002",
    statement:
      "while perf samples the event, a write at each size limit either returns its count and its sample's raw data arrives whole, or fails with an errno and leaves no sample",
    source:
      "U:2284-2357 (user_events_write_core); U:1673-1711 (user_event_perf: perf_trace_buf_alloc of ALIGN(sizeof(entry) + i->count, 8)); kernel/trace/trace_event_perf.c:405-407 (PERF_MAX_TRACE_SIZE)",
    interpretation:
      "the ABI promises the payload to the sinks: a write that returns its full count while perf_trace_buf_alloc refuses the sample (U:1686-1690) loses the record silently; the WARN_ONCE that refusal raises is itself a finding",
  },
  {
    id: "UE-FI-001",
    statement:
      "while ftrace traces the event, a write whose N-th fault point fails (a user copy under fail_usercopy, or an allocation) returns an errno and leaves no record, for each N the write reaches; past the last one its record arrives whole",
    source:
      "U:2284-2357 (user_events_write_core: copy_from_iter of the index, faulted -> -EFAULT); U:1653-1654 (user_event_ftrace: copy_nofault failure discards the event)",
    interpretation:
      "As for sizes (UE-SZ-001), a traced write reaches the sink or fails. Needs the faults kernel profile (fail-nth).",
    profile: "faults",
  },
  {
    id: "UE-FI-002",
    statement:
      "while perf samples the event, a write whose N-th fault point fails returns an errno and leaves no sample, for each N the write reaches; past the last one its sample arrives whole",
    source:
      "U:2284-2357 (user_events_write_core); U:1694-1695 (user_event_perf: copy_nofault failure discards the sample)",
    interpretation: "As UE-FI-001, for perf's sink. Needs the faults kernel profile (fail-nth).",
    profile: "faults",
  },
];

/** Every user_events rule, in table order. */
export function allRules(): readonly Rule[] {
  return RULE_LIST;
}

/** The user_events rules by ID. */
export const USER_EVENTS_RULES = catalog("rule", RULE_LIST);
