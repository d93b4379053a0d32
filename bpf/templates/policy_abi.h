/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * policy_abi.h - the one ABI shared by jailpolc, the policy.bin reader, the
 * runtime and the BPF templates.
 *
 * Matching semantics
 * ------------------
 * A policy is an ordered list of rules plus a default verdict; the first rule
 * that matches a connection decides it.  jailpolc resolves that order at
 * compile time into two longest-prefix-match tables, so the kernel does two
 * map lookups per connect() whatever the number of rules or prefixes:
 *
 *   1. address -> decision id.  The destination, canonicalised (an
 *      IPv4-mapped ::ffff:a.b.c.d is looked up as a.b.c.d), is looked up in
 *      the LPM4 or LPM6 table.  Every table has a /0 entry, so a lookup never
 *      misses.  The value carries two decision ids: `did`, the decision for
 *      an address that is not one of the host's own addresses, and
 *      `host_did`, the decision for the same address if it is.  The runtime
 *      fills the `host` set by inserting each host address as a /32 or /128
 *      entry whose `did` and `host_did` are the `host_did` of the entry that
 *      covered it before.
 *
 *   2. (decision id, selector, port) -> verdict.  The selector is
 *      POL_SEL(proto, scope): the protocol class of the socket and whether
 *      the socket lives in the host's network namespace.  Ports are encoded
 *      as prefix blocks, so a port range costs at most 30 entries.
 *
 * A destination of 0.0.0.0 or :: reaches the local host: when the tables
 * allow it, it is judged a second time as 127.0.0.1 or ::1 respectively,
 * and that verdict stands (classify.h).
 *
 * Beyond IP destinations, two more kinds of rules have tables of their
 * own, each judged first-match in rule order like the IP rules:
 *
 *   3. Unix socket addresses (`unix` rules), judged at connect() and at an
 *      unconnected sendmsg() of an AF_UNIX socket: the sun_path bytes, as
 *      the kernel reads them (struct pol_unix_query in classify.h), run
 *      through a DFA (UNIX_DFA), whose final state and the socket's netns
 *      scope give the verdict (UNIX_ACC).
 *
 *   4. Socket creation (`socket` rules): raw and ping sockets, judged at
 *      socket() by the socket's kind and netns scope (SOCK).
 *
 * `default` decides IP destinations only.  A Unix address or a socket
 * that no rule of its kind matches is allowed, as without jailpol, and
 * reported as rule POL_RULE_UNMATCHED; a policy refuses the rest by
 * ending its Unix rules with `deny unix;`.
 *
 * Rule numbers: rule 0 is the `default` statement; rules 1..n are the
 * policy's rules in source order.  They index the RULES section, and later
 * per-rule counters.
 *
 * policy.bin layout
 * -----------------
 * All integers little-endian and fixed width, except fields the kernel
 * compares as LPM bytes (addresses and the port in pol_dec_key), which are in
 * network byte order.  The file is: a pol_file_header, a table of
 * n_sections pol_section records, then the sections' contents, each 8-byte
 * aligned.  Every section type of the file's version appears exactly once.  `checksum` is the
 * CRC-32 (zlib) of the whole file with the checksum field read as zero;
 * `content_hash` is the SHA-256 of every byte after the header and names the
 * policy in status output.
 */
#ifndef JAILPOL_POLICY_ABI_H
#define JAILPOL_POLICY_ABI_H

#include <linux/types.h>

#define POL_MAGIC "JAILPOL" /* 7 chars + NUL fill the 8-byte magic */
/* Version 2 added the UNIX, UNIX_DFA, UNIX_ACC and SOCK sections; a
 * version 1 file has none of them and is read as a policy without Unix or
 * socket rules.  Version 3 added direct decisions (POL_DID_DIRECT). */
#define POL_FORMAT_VERSION 3
#define POL_FORMAT_VERSION_MIN 1

/* Verdicts, as in the dec table and the RULES section. */
enum pol_verdict {
	POL_DENY = 0,
	POL_ALLOW = 1,
	POL_VERDICT_MAX,
};

/* Protocol class of a socket: TCP, UDP, or anything else (ICMP ping, raw).
 * Rules with a port condition match only TCP and UDP. */
enum pol_proto {
	POL_PROTO_TCP = 0,
	POL_PROTO_UDP = 1,
	POL_PROTO_OTHER = 2,
	POL_PROTO_MAX,
};

/* Network-namespace scope of the socket: the host's namespace (where the
 * runtime runs) or any other one (a container's own). */
enum pol_scope {
	POL_SCOPE_HOST = 0,
	POL_SCOPE_CONTAINER = 1,
	POL_SCOPE_MAX,
};

#define POL_SEL(proto, scope) (POL_SCOPE_MAX * (proto) + (scope))
#define POL_SEL_MAX (POL_PROTO_MAX * POL_SCOPE_MAX)

/* Rule number of a Unix-address or socket-creation verdict that no rule
 * decided (allowed). */
#define POL_RULE_UNMATCHED 0xfffffffeu

/* Rule flags (pol_dec_val.flags, pol_rule_rec.flags). */
#define POL_RF_LOG 0x01 /* report denials/matches of this rule */

/* LPM keys: prefixlen counts bits of addr, which is in network order. */
struct pol_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct pol_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * A decision id with POL_DID_DIRECT set is a direct decision: one rule
 * decides every protocol, scope and port, so the id holds that rule, its
 * verdict and its log mark itself and the DEC table has no entries for
 * it.  A million `deny PREFIX;` rules so cost no more tables than one set
 * does, and every prefix still names its own rule.  Other ids are
 * 0..n_dids-1.
 */
#define POL_DID_DIRECT 0x80000000u
#define POL_DID_ALLOW 0x40000000u /* the verdict is POL_ALLOW */
#define POL_DID_LOG 0x20000000u   /* the rule has POL_RF_LOG */
#define POL_DID_RULE 0x1fffffffu  /* the rule number */

/* Value of both address tables. */
struct pol_addr_val {
	__u32 did;      /* decision id for a non-host address */
	__u32 host_did; /* decision id if the address is a host address */
};

/*
 * Key of the decision table.  The LPM data is did (compared as 4 opaque
 * bytes), sel, a zero byte, then the port in network order, so a prefix
 * length of 48 + k matches a block of ports sharing their top k bits.
 */
struct pol_dec_key {
	__u32 prefixlen; /* 48..64 */
	__u32 did;
	__u8 sel; /* POL_SEL() */
	__u8 zero;
	__be16 port;
};

#define POL_DEC_PREFIX_BASE 48
#define POL_DEC_PREFIX_MAX 64

struct pol_dec_val {
	__u32 rule;   /* deciding rule, 0 = default */
	__u8 verdict; /* enum pol_verdict */
	__u8 flags;   /* POL_RF_* of the deciding rule */
	__u16 reserved;
};

/*
 * The address table: one array of 64-bit words holding, per family, the
 * address space cut into disjoint ranges, each with the value (struct
 * pol_addr_val) of the longest prefix of LPM4 or LPM6 that covers it, and
 * a directory over them.  A lookup costs a bounded number of word reads,
 * whatever the number of prefixes: at most POL_RANGE_LEVELS directory
 * entries, then a binary search of at most POL_RANGE_LEAF_MAX + 1 ranges
 * (POL_RANGE_STEPS reads), then the value.  Nothing here calls a helper:
 * in BPF every read is an inlined ARRAY lookup.
 *
 * Addresses are numbers (IPv4 32 bits, IPv6 128), compared as such.  Per
 * family:
 *   - ranges 0..n-1 start at strictly increasing addresses, range 0 at 0;
 *     range i ends where range i + 1 starts.  IPv4: word start + i is
 *     range i, its start in the high 32 bits and its value reference in
 *     the low 32, so the range found gives its value in the same word
 *     (often the same cache line as the search's last read).  IPv6:
 *     words start + 2i and start + 2i + 1 hold its start (high 64 bits,
 *     then low), and vidx.. the value references, two per word (range i
 *     in the low half of word i / 2 if i is even, else the high half).
 *   - a value reference with POL_DID_DIRECT set is the range's value
 *     itself, a direct decision id that is both its did and its host_did
 *     (a list of `deny P;` lines has one value per rule: none of them is
 *     read from vals); any other is the index of its value in vals.
 *   - dir..: the root directory, 2^root_bits + 1 words.  Word j is the
 *     bucket of addresses whose top root_bits bits are j: its low 32 bits
 *     the range holding the bucket's first address, its high 32 bits 0 or
 *     a sub-directory over the bucket's next bits: its word offset in the
 *     low POL_RANGE_SUB_SHIFT bits, the number of bits it reads less one
 *     above them (POL_RANGE_SUB_MIN..POL_RANGE_SUB_MAX, fewer where the
 *     address ends; about 8 ranges a bucket).  Word j + 1 holds
 *     the range of the next bucket's first address, so the bucket's ranges
 *     are [low(j), low(j + 1)]; the last word holds n - 1.  A bucket with
 *     more than POL_RANGE_LEAF_MAX ranges has a sub-directory, whose words
 *     are read the same way.
 * vals..: n_vals words, did in the low 32 bits, host_did in the high:
 * only the values that no reference stands for.
 */
#define POL_RANGE_ROOT_MAX 16
#define POL_RANGE_SUB_MIN 6 /* a bucket over POL_RANGE_LEAF_MAX reads at least 6 bits */
#define POL_RANGE_SUB_MAX 8
#define POL_RANGE_SUB_SHIFT 28
#define POL_RANGE_LEAF_MAX 64
#define POL_RANGE_STEPS 7 /* ceil(log2(POL_RANGE_LEAF_MAX + 1)) */
/* Directories on a path of an address of b bits: a bucket with more than
 * POL_RANGE_LEAF_MAX ranges spans at least 2^7 addresses, and the root
 * reads at least POL_RANGE_SUB_MIN bits when any bucket has a
 * sub-directory, every sub-directory too. */
#define POL_RANGE_LEVELS(b) (1 + ((b)-7) / POL_RANGE_SUB_MIN)

struct pol_range_fam {
	__u32 dir;          /* word offset of the root directory */
	__u32 root_bits;    /* 1..POL_RANGE_ROOT_MAX */
	__u32 start;        /* word offset of the range starts */
	__u32 vidx;         /* word offset of the value references (IPv6) */
	__u32 n;            /* ranges, at least 1 */
	__u32 loopback_did; /* did of the range holding 127.0.0.1, ::1 */
};

struct pol_range_layout {
	struct pol_range_fam fam[2]; /* IPv4, IPv6 */
	__u32 vals;                  /* word offset of the values */
	__u32 n_vals;
	__u32 n_words; /* the whole table */
	__u32 reserved;
};

/* Key of the host set: the runtime's host addresses (the `host` set),
 * which take the host_did of the range that holds them. */
struct pol_host_key {
	__u8 family; /* 4 or 6 */
	__u8 zero[3];
	__u8 addr[16]; /* network order; IPv4 in addr[0..3], the rest zero */
};

/* Table entries as stored in policy.bin: key then value, as the maps take
 * them.  LPM sections are sorted by (prefixlen, key bytes), strictly. */
struct pol_lpm4_entry {
	struct pol_lpm4_key key;
	struct pol_addr_val val;
};

struct pol_lpm6_entry {
	struct pol_lpm6_key key;
	struct pol_addr_val val;
};

struct pol_dec_entry {
	struct pol_dec_key key;
	struct pol_dec_val val;
};

/*
 * Unix socket addresses.  The DFA runs over the bytes of the name
 * (classify.h, pol_unix_canonicalise()): an abstract name is its leading
 * NUL and every byte after it, a path the bytes before its first NUL.
 * UNIX_DFA is one array of __u32: entry b < POL_UNIX_BYTES is the class of
 * byte b, entry POL_UNIX_BYTES + s * n_classes + c the state after state s
 * reads a byte of class c.  State 0 is the start.  UNIX_ACC holds, at
 * s * POL_SCOPE_MAX + scope, the verdict for a name that ends in state s.
 */
#define POL_UNIX_NAME_MAX 108 /* sizeof(sun_path) */
#define POL_UNIX_BYTES 256

struct pol_unix_consts {
	__u32 n_states;  /* 0: no Unix rules (then the DFA sections are empty) */
	__u32 n_classes; /* 1..POL_UNIX_BYTES when n_states, else 0 */
	__u32 reserved[2];
};

/* Kinds of socket a `socket` rule judges at socket(). */
enum pol_sock_kind {
	POL_SOCK_RAW = 0,  /* SOCK_RAW of AF_INET or AF_INET6 */
	POL_SOCK_PING = 1, /* SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6 */
	POL_SOCK_MAX,
};

/* SOCK holds POL_SOCK_MAX * POL_SCOPE_MAX verdicts, at
 * kind * POL_SCOPE_MAX + scope. */
#define POL_SOCK_ENTRIES (POL_SOCK_MAX * POL_SCOPE_MAX)

enum pol_section_type {
	POL_SEC_CONSTS = 1,   /* one struct pol_consts */
	POL_SEC_LPM4 = 2,     /* struct pol_lpm4_entry[] */
	POL_SEC_LPM6 = 3,     /* struct pol_lpm6_entry[] */
	POL_SEC_DEC = 4,      /* struct pol_dec_entry[] */
	POL_SEC_RULES = 5,    /* struct pol_rule_rec[], rule 0 = default */
	POL_SEC_STRINGS = 6,  /* NUL-terminated strings; offset 0 is "" */
	POL_SEC_UNIX = 7,     /* one struct pol_unix_consts (version 2) */
	POL_SEC_UNIX_DFA = 8, /* __u32[]: byte classes, then transitions */
	POL_SEC_UNIX_ACC = 9, /* struct pol_dec_val[n_states * POL_SCOPE_MAX] */
	POL_SEC_SOCK = 10,    /* struct pol_dec_val[POL_SOCK_ENTRIES] */
	POL_SEC_MAX,
};

/* Sections of a version 1 file: POL_SEC_CONSTS..POL_SEC_STRINGS. */
#define POL_SEC_MAX_V1 7

struct pol_file_header {
	__u8 magic[8];         /* POL_MAGIC */
	__u32 version;         /* POL_FORMAT_VERSION */
	__u32 header_size;     /* sizeof(struct pol_file_header) */
	__u64 file_size;       /* whole file */
	__u32 n_sections;      /* records following the header */
	__u32 checksum;        /* CRC-32 of the file, this field as zero */
	__u8 content_hash[32]; /* SHA-256 of bytes [header_size, file_size) */
	__u32 source_name;     /* STRINGS offset: the top .jp file as given */
	__u32 reserved;
};

struct pol_section {
	__u32 type;       /* enum pol_section_type */
	__u32 entry_size; /* size of one entry; 1 for STRINGS */
	__u32 count;      /* number of entries */
	__u32 reserved;
	__u64 offset; /* from the start of the file, 8-byte aligned */
	__u64 size;   /* == entry_size * count */
};

/* pol_consts.flags */
#define POL_CF_USES_HOST 0x01   /* some rule names the runtime-filled host set */
#define POL_CF_USES_SCOPE 0x02  /* some rule has a netns scope */
#define POL_CF_USES_LOG 0x04    /* some rule has the log mark */
#define POL_CF_BACKSTOP 0x08    /* `backstop on;`: also judge ping/raw packets */
#define POL_CF_USES_UNIX 0x10   /* some rule judges Unix socket addresses */
#define POL_CF_USES_SOCK 0x20   /* some rule judges socket creation */
#define POL_CF_LOG_DENIALS 0x40 /* `log denials;`: every denial emits an event */
#define POL_CF_AUDIT 0x80       /* `mode audit;`: judge and report, never refuse */

/* Constants for the BPF templates' rodata and map sizing. */
struct pol_consts {
	__u32 n_rules;         /* rule records, default included */
	__u32 n_dids;          /* decision ids are 0..n_dids-1 */
	__u32 default_verdict; /* enum pol_verdict */
	__u32 flags;           /* POL_CF_* */
};

/* One rule's origin, for explain, dump, and later denial reports. */
struct pol_rule_rec {
	__u32 file; /* STRINGS offset of the file name */
	__u32 line;
	__u32 col;
	__u32 text;   /* STRINGS offset of the statement's source text */
	__u8 verdict; /* enum pol_verdict */
	__u8 flags;   /* POL_RF_* */
	__u16 reserved;
};

_Static_assert(sizeof(struct pol_lpm4_key) == 8, "pol_lpm4_key ABI");
_Static_assert(sizeof(struct pol_lpm6_key) == 20, "pol_lpm6_key ABI");
_Static_assert(sizeof(struct pol_addr_val) == 8, "pol_addr_val ABI");
_Static_assert(sizeof(struct pol_dec_key) == 12, "pol_dec_key ABI");
_Static_assert(sizeof(struct pol_dec_val) == 8, "pol_dec_val ABI");
_Static_assert(sizeof(struct pol_lpm4_entry) == 16, "pol_lpm4_entry ABI");
_Static_assert(sizeof(struct pol_lpm6_entry) == 28, "pol_lpm6_entry ABI");
_Static_assert(sizeof(struct pol_dec_entry) == 20, "pol_dec_entry ABI");
_Static_assert(sizeof(struct pol_file_header) == 72, "pol_file_header ABI");
_Static_assert(sizeof(struct pol_section) == 32, "pol_section ABI");
_Static_assert(sizeof(struct pol_consts) == 16, "pol_consts ABI");
_Static_assert(sizeof(struct pol_rule_rec) == 20, "pol_rule_rec ABI");
_Static_assert(sizeof(struct pol_unix_consts) == 16, "pol_unix_consts ABI");
_Static_assert(sizeof(struct pol_range_layout) == 64, "pol_range_layout ABI");
_Static_assert(sizeof(struct pol_host_key) == 20, "pol_host_key ABI");

#endif /* JAILPOL_POLICY_ABI_H */
