/**
 * The tape: the fixed-width records that the wasm scanner writes and the
 * TypeScript layer replays (pickletools.genops as typed arrays), and the
 * session block through which the two sides talk.
 *
 * Like opcodes.ts, this file is compiled by both AssemblyScript and tsc, so it
 * holds only `const enum`s of plain numbers.
 *
 * A record is four 32-bit words:
 *   word 0: kind | flags << 8
 *   word 1: byte offset of the opcode in the pickle (for error messages)
 *   words 2-3: the argument: (offset, length) of a payload in the input, a memo
 *              index or code in word 2, or one f64 / i64 spanning both words.
 */

export const enum Layout {
  RECORD_WORDS = 4,
  RECORD_BYTES = 16,
  FLAGS_SHIFT = 8,
}

/**
 * Record kinds. A record's kind is its opcode byte, except where the scanner
 * folds opcodes that differ only in how their argument is written; folded kinds
 * use bytes that no opcode uses.
 */
export const enum Rec {
  /** An int within ±(2^53−1) or any float, as f64 in words 2-3. */
  NUMBER = 0x01,
  /** An int that needs 54 to 64 bits, as i64 in words 2-3. */
  INT64 = 0x02,
  /** A larger int: little-endian two's complement bytes at (offset, length). */
  BIGINT_BYTES = 0x03,
  /** A larger int: decimal digits, with optional sign, at (offset, length). */
  BIGINT_TEXT = 0x04,
  /** A text float the scanner did not convert exactly (JS parses it). */
  FLOAT_TEXT = 0x05,
  /** A str payload: UTF-8 with surrogates passed, flags from StrFlag. */
  STR = 0x06,
  /** A Python 2 str payload (STRING's bytes are still quoted and escaped). */
  PY2STR = 0x07,
  PY2STR_QUOTED = 0x08,
  /** UNICODE: raw-unicode-escape text. */
  UNICODE_RAW = 0x09,
  BYTES = 0x0a,
  BYTEARRAY = 0x0b,
  /** GET, BINGET, LONG_BINGET: memo index in word 2. */
  GET = 0x0c,
  /** PUT, BINPUT, LONG_BINPUT: memo index in word 2 (dumps: none, a store at the next index: the encoder numbers them). */
  PUT = 0x0d,
  /** EXT1, EXT2, EXT4: extension code in word 2. */
  EXT = 0x0e,
  /** INT 01 / INT 00 of protocol 0 */
  TRUE = 0x0f,
  FALSE = 0x10,
  /**
   * dumps only: a run of numbers, each written as NUMBER's is. Word 2 holds
   * how many, word 3 how many are written (the encoder may stop inside the
   * run); their f64s follow in the next records, two to a record. Word 1
   * holds 0, or the opcode that closes the container the run's numbers are
   * the items of (APPENDS, SETITEMS, TUPLE, TUPLE1-3), written after them
   * (APPEND or SETITEM for one element) with the container's memo store if
   * one is folded in. Flagged RecFlag.BATCH (APPENDS, SETITEMS), the run is a
   * whole batch and a MARK goes before it (for two elements or more), after
   * which the encoder clears the flag. Flagged RecFlag.INT64S, the run
   * also holds ints within 64 bits that JS has as bigints (see there).
   */
  NUMBERS = 0x11,
  /**
   * dumps only: a str value written earlier in the dump through JS's value
   * table (with JS's memo store in word 1; its UTF-8 at the wasm address in
   * word 2, word 3 bytes long), which the encoder's SharedStrs take in once
   * JS stops sharing strs itself (see SharedStrs). Nothing is written.
   */
  SHARED_STR = 0x12,
  /**
   * loads only: a SETITEMS whose dict body the scanner folded (see KeyOrders):
   * its MARK and its keys' GET records are gone, and the body's values are
   * the top word-3 items of the stack, in order; word 2 is the key order's id.
   */
  DICT_VALUES = 0x13,
  /**
   * loads only: a short str that the string cache did not take (not ASCII,
   * or longer than its strs), decoded to UTF-16 by the scan (see StrUnits):
   * word 2 is where its units are (an index of 16-bit words of the wasm
   * memory), word 3 how many.
   */
  STR_UNITS = 0x14,
}

/**
 * loads: dicts whose keys are memo GETs in an order met before (the records
 * of a list of dicts: a GET a key, all but the first dict). The scanner keeps
 * the key orders' memo indices and, at a SETITEMS whose body's keys are all
 * GETs, looks the order up by its first key's index: the first time it gives
 * the order an id, written in word 2 of the SETITEMS record (id + 1), and JS
 * keeps that body's keys under it; each time after, it drops the body's MARK
 * and key records and writes DICT_VALUES. JS then makes the dict from the
 * values and the keys it kept, with no GET, no key compare a dict. A memo
 * index stays bound to one value while the pickle stores by MEMOIZE only (at
 * the memo's size), or by PUTs at 0, 1, 2, … (as protocols 0-3 number them),
 * or PUTs so and then MEMOIZEs (Field.MEMO_ORDER): once a store could bind an
 * index again, nothing more is folded.
 */
export const enum KeyOrders {
  /** Dicts of fewer keys gain too little; dictShapes.ts compiles no larger ones. */
  MIN_KEYS = 4,
  MAX_KEYS = 64,
  SLOTS = 64,
  /** A slot: the load's stamp, the id, the number of keys, then MAX_KEYS memo indices (u32 each). */
  ENTRY_WORDS = 67,
  /**
   * Field.MEMO_ORDER's flags: MEMOIZE was met; a store could have bound an
   * index again (set with it or alone); the load began with less than
   * MIN_INPUT bytes at hand (set by JS). Only the first alone lets bodies fold.
   * And GOT: a GET was met (with none by STOP, nothing reads the memo).
   */
  MEMOIZED = 1,
  UNORDERED = 2,
  SMALL = 4,
  GOT = 8,
  /**
   * A small pickle has few dicts to fold, and reading its bodies and keeping
   * its keys cost more than folding saves (bm_pickle's DICT_GROUP, 0.8 kB:
   * 60.5k -> 61.2k instructions, and ~5% more time).
   */
  MIN_INPUT = 65536,
  /** Ids a load gives at most (JS keeps the keys of each). */
  MAX_IDS = 1024,
  /** Records of a body, from its MARK, that a SETITEMS reads (a body longer is not folded). */
  MAX_BODY_RECORDS = 512,
}

/**
 * Flags any record may carry, above every kind's own flags: a memo store
 * followed the opcode and was folded into its record (the scanner does so for
 * opcodes that push a value, so the replay memoizes that value after it;
 * dumps set one on a value's record, so the encoder writes the store after
 * it). Pickles memoize most values: a record fewer each.
 */
export const enum MemoFlag {
  /** A MEMOIZE: at the memo's size (protocol 4+). */
  MEMOIZED = 32,
  /** A PUT / BINPUT / LONG_BINPUT at the index after the last PUT's (as Python numbers them: protocols 0-3). */
  PUT_NEXT = 64,
}

/** Flags of STR and PY2STR records. */
export const enum StrFlag {
  ASCII = 1,
  /** Holds UTF-8-encoded surrogates (ED A0..BF xx), which TextDecoder would replace. */
  SURROGATES = 2,
  /** Not valid UTF-8 (only for Python 2 strings; a STR so flagged is an error). */
  INVALID = 4,
  /**
   * A short ASCII str given a slot of the session's string cache (its number
   * in the flags from StrCache.SLOT_SHIFT) that holds other bytes: JS makes
   * the string and keeps it in that slot.
   */
  CACHE_STORE = 8,
  /** Every character is below U+0100 (ASCII or C2/C3 two-byte sequences): how protocols 0–2 carry bytes. */
  LATIN1 = 16,
  /** A short ASCII str whose bytes are those its cache slot last stored: JS takes the string it keeps there. */
  CACHE_HIT = 1 << 19,
}

/**
 * Short strs are checked and decoded by the scan in one pass
 * (Rec.STR_UNITS), into an area of the session's that JS makes them from: a
 * JS loop over 27 bytes of UTF-8 beyond latin-1 cost ~25 ns of the 62 that
 * making such a str took.
 */
export const enum StrUnits {
  /** Strs up to this many bytes (JS makes them by String.fromCharCode of that many units at most). */
  MAX_BYTES = 64,
  /** Units the area holds: the strs a tape's records decoded (past it, JS decodes them). */
  AREA_UNITS = 131072,
}

/**
 * Each load session's string cache: short ASCII strs recur (dict keys,
 * enum-like values) within a pickle and across pickles. Wasm keeps each
 * slot's bytes and compares (a word at a time); JS keeps each slot's string.
 * The two stay in step because JS replays every record the scan wrote, in
 * order; a load that stops short clears the wasm side (clearStrCache).
 */
export const enum StrCache {
  /** Strings up to this many bytes are cached. */
  MAX_LENGTH = 32,
  SLOTS = 4096,
  /** Where the slot starts in a STR record's flags (bits 5-6 are MemoFlag's, CACHE_HIT is above it). */
  SLOT_SHIFT = 7,
  /** A slot in wasm: a key word (hash, length, used), then MAX_LENGTH bytes. */
  ENTRY_BYTES = 40,
  /**
   * A load's cache gives its verdict every PROBE lookups: if fewer than
   * PROBE / 8 hit (a str made anew costs less than a lookup that misses, its
   * store and JS's keeping the string), the load's next SKIP short strs pass
   * it by (200k distinct strs: 1 in 17 looked up).
   */
  PROBE = 1024,
  SKIP = 16384,
}

/** Set in a record's flags: the payload stays in JS; encode() writes only the header and returns EXTERNAL. */
export const enum RecFlag {
  EXTERNAL = 1,
  /**
   * A MARK that opens a batch (of APPENDS, SETITEMS, ADDITEMS) inside a value,
   * not a value of its own; a NUMBERS run that is a whole batch, its MARK not
   * yet written (see Rec.NUMBERS).
   */
  BATCH = 2,
  /** A STR whose payload is at the wasm address in word 2, not in the arena (a dict key's or a short str value's bytes, kept by src/strTable.ts). */
  ADDRESS = 4,
  /**
   * A STR whose UTF-8 is the next part of the session's pending text (Field.TEXT):
   * word 2 holds its length in UTF-16 code units, word 3 the most bytes it may
   * take. JS encodes the strs of a flush in one native call, not one each.
   */
  PENDING = 8,
  /** A STR or UNICODE_RAW that is a value (not a dict key): written as a GET if the dump wrote its bytes before (SharedStrs). */
  SHARED = 16,
  /**
   * A dict value's first record, its key written before it as a GET of JS's
   * memo store in word 1 (a record fewer for a key met before in the dump);
   * not on NUMBERS and SHARED_STR records, whose word 1 is taken.
   */
  KEY_GET = 128,
  /**
   * A NUMBERS run (of a list's or a Map's items, no closing opcode) that also
   * holds ints within 64 bits that JS has as bigints, each in two slots: the
   * i64, then (u32) the slot of the next one, or RunSlot.NONE. Word 1 holds
   * the slot of the first not yet written; slots count from the run's first,
   * and words 2 and 3 count slots. wasm writes the numbers between two int64s
   * with no check of its own: any f64 bits are a number's.
   */
  INT64S = 256,
}

/**
 * Dumps: value strs written once per dump, as CPython writes a str object it
 * meets again (interned keys, constants, one object referenced twice) as a
 * GET. JS shares a dump's first short strs itself, through its value table
 * (src/strTable.ts): each one's first time a memo store of JS's, then GETs.
 * It stops at a point that depends only on the dump's strs (how many, how
 * often they repeated), never on what the table held before, so a value
 * always dumps to the same bytes; it then tells the encoder the strs it wrote
 * (Rec.SHARED_STR) and flags the dump's later ones (RecFlag.SHARED). The
 * encoder looks those up by their bytes in a process-wide table of slots
 * stamped with the dump that wrote them, and writes either the str and a memo
 * store of its own or a GET. JS's memo indices so count only JS's stores:
 * the encoder keeps, per session, the output index each got (Field.MEMO_INDICES).
 */
export const enum SharedStrs {
  /** Strs of up to this many UTF-8 bytes are shared. */
  MAX_LENGTH = 64,
  SLOTS = 4096,
  /** A slot: stamp, hash, length, memo index (u32 each), then MAX_LENGTH bytes. */
  ENTRY_BYTES = 80,
  /** After this many lookups in a dump, sharing stops for its rest if fewer than PROBE / 32 hit (unique strs: a lookup costs more than it saves). */
  PROBE = 2048,
}

/**
 * Flags the scanner sets on records it has seen the future of, within one
 * tape chunk, so that the replay can take a shortcut:
 */
export const enum RunFlag {
  /** On a MARK: the MARK, word 3's count of NUMBER records and an APPENDS (or TUPLE, SETITEMS) follow. */
  NUMBERS = 1,
  /**
   * On an EMPTY_LIST (EMPTY_DICT): the MARK after it, past PUTs and
   * MEMOIZEs, opens such a run, without INT64, that APPENDS (SETITEMS)
   * closes — the replay makes the list (an unboxed one) or the Map from it.
   */
  FILLED_BY_RUN = 2,
  /** On a MARK flagged NUMBERS: the run has INT64 records too (ints beyond 2^53, which load as bigints). */
  WITH_INT64 = 4,
  /** On a MARK flagged NUMBERS: the run ends with TUPLE, not APPENDS (a tuple of numbers). */
  TUPLE = 8,
  /** On a MARK flagged NUMBERS: the run ends with SETITEMS (keys and values, all numbers). */
  SETITEMS = 16,
}

/** Slots of a NUMBERS run flagged RecFlag.INT64S. */
export const enum RunSlot {
  /** No int64 follows. */
  NONE = 0xffffffff,
}

/** FRAME_START when no frame is open. */
export const enum Frame {
  NONE = 0xffffffff,
  /** CPython's _FRAME_SIZE_TARGET: a frame is closed once it holds this much. */
  TARGET = 65536,
  /** Frames smaller than this are not written (CPython's _FRAME_SIZE_MIN). */
  MIN = 4,
  HEADER = 9,
}

/** What encode() returns. */
export const enum EncodeStatus {
  /** Every record was written: give it more, or end. */
  NEED_RECORDS = 0,
  /** The output window is full: take its bytes, then call again. */
  OUTPUT_FULL = 1,
  /** An EXTERNAL record's header was written (outside any frame): take the window's bytes, append the payload, call again. */
  EXTERNAL = 2,
}

/** What scan() returns. */
export const enum Status {
  /** The tape is full: replay it, then scan again. */
  TAPE_FULL = 0,
  /** STOP was read; POS is just past it. */
  STOPPED = 1,
  /** The window holds no more complete input: refill from POS with at least NEED bytes. */
  NEED_INPUT = 2,
  /** Bad input: ERROR, ERROR_POS and ERROR_OP say what and where. */
  ERROR = 3,
}

/** What findReferenced() returns. */
export const enum MemoScan {
  /** STOP was read: the bitmap (MEMO_MARKED bytes at TAPE) holds every memo index the pickle GETs. */
  DONE = 0,
  /** The window holds no more complete input: refill from POS with at least NEED bytes. */
  NEED_INPUT = 1,
  /** The pass cannot tell (input it does not read as plainly valid, memo stores out of order): keep every memo store. */
  UNKNOWN = 2,
}

/** Why the scanner stopped with Status.ERROR. */
export const enum ScanError {
  NONE = 0,
  TRUNCATED = 1,
  UNKNOWN_OPCODE = 2,
  UNSUPPORTED_PROTOCOL = 3,
  BAD_INT = 4,
  BAD_FLOAT = 5,
  NEGATIVE_LENGTH = 6,
  BAD_UTF8 = 7,
  BAD_QUOTES = 8,
  BAD_MEMO_INDEX = 9,
  TOO_LARGE = 10,
}

/** The session block: u32 fields shared by the scanner and its driver. */
export const enum Field {
  /** How much input there is so far, and whether more may follow (0) or not (1). */
  INPUT_END = 0,
  INPUT_FINAL = 18,
  /** Pointer to the window: the part of the input copied into linear memory. */
  WINDOW = 1,
  WINDOW_CAP = 2,
  /** Input offset of the window's first byte, and how many bytes it holds. */
  WINDOW_START = 3,
  WINDOW_LEN = 4,
  /** Input offset where scanning resumes. */
  POS = 5,
  /** With NEED_INPUT: how many bytes from POS the scanner needs at least. */
  NEED = 6,
  TAPE = 7,
  /** Capacity in records, and how many the last scan() wrote. */
  TAPE_CAP = 8,
  TAPE_LEN = 9,
  /** An unfinished string payload (kind 0 when none): record kind, opcode offset, payload start and end, flags so far. */
  STR_KIND = 10,
  STR_OP_POS = 11,
  STR_START = 12,
  STR_END = 13,
  STR_FLAGS = 14,
  ERROR = 15,
  ERROR_POS = 16,
  ERROR_OP = 17,
  // Encoding reuses WINDOW as the output buffer (WINDOW_LEN bytes written so
  // far), TAPE / TAPE_LEN for the records to write and POS for the next one.
  /** Protocol being written. */
  PROTOCOL = 19,
  /** Offset in the output of the open frame's reserved header, or NO_FRAME. */
  FRAME_START = 20,
  /** Scratch space where JS encodes small payloads (strings, big ints) for the records. */
  ARENA = 21,
  ARENA_CAP = 22,
  /** The index after the last PUT scanned (see MemoFlag.PUT_NEXT); encoding, the next memo index. */
  NEXT_PUT = 23,
  /** Pointer to a load session's string cache (StrCache). */
  STR_CACHE = 24,
  /** Where the pending text of the records to write is (RecFlag.PENDING), and whether it is all ASCII (1) or not (0). */
  TEXT = 25,
  TEXT_ASCII = 26,
  /** The opcodes and memo stores findReferenced() has passed so far, and the bitmap bytes it has marked (and zeroed). */
  MEMO_OPCODES = 27,
  MEMO_STORES = 28,
  MEMO_MARKED = 29,
  /**
   * The string cache's lookups and hits since its last verdict, and the short
   * strs it is to pass by (see StrCache.PROBE). Encoding: the shared strs'
   * lookups and hits, and 1 in SKIPS once sharing stopped (SharedStrs.PROBE).
   */
  CACHE_LOOKUPS = 30,
  CACHE_HITS = 31,
  CACHE_SKIPS = 32,
  /** Encoding: the memo stores JS has made so far, and where the index each got in the output is kept (see SharedStrs). */
  JS_STORES = 33,
  MEMO_INDICES = 34,
  MEMO_INDICES_CAP = 35,
  /** Encoding: the dump being written (SharedStrs' stamp; never 0). */
  DUMP_STAMP = 36,
  /** Loading: the key orders' table (KeyOrders), this load's stamp in it (never 0), the ids given so far. */
  KEY_ORDERS = 37,
  KEY_ORDER_STAMP = 38,
  KEY_ORDER_IDS = 39,
  /** Loading: how the memo stores so far bound their indices, and whether the load is small (KeyOrders.MEMOIZED, UNORDERED, SMALL). */
  MEMO_ORDER = 40,
  /** Loading: the area of the strs the scan decoded (StrUnits), and the units the tape's records took of it so far. */
  UNITS = 41,
  UNITS_USED = 42,
  /** Number of fields. */
  COUNT = 43,
}

export const enum Scratch {
  /** Bytes foldLatin1 takes a call: its scratch holds that much input, then as much output. */
  FOLD_CHUNK = 65536,
}
