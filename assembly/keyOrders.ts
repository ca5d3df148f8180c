// Dict bodies whose keys are memo GETs in an order met before: at their
// SETITEMS, the scanner drops the body's MARK and key records and writes
// DICT_VALUES (see KeyOrders in src/tape.ts). The replay then spends nothing
// on the keys: for 100k records, 7 GETs, a MARK and a key-order check a dict.
import { field, setCurrentField as setField } from "./session";
import { Op } from "../src/opcodes";
import { Field, KeyOrders, Layout, Rec } from "../src/tape";

/** The session's table of key orders, its stamp for this load, and the ids given so far (set by useKeyOrders). */
let table: usize = 0;
let stamp: u32 = 0;
let ids: u32 = 0;
/** The body's key records, by key (see keysOfBody). */
const keyRecords = new StaticArray<usize>(<i32>KeyOrders.MAX_KEYS + 1);

/** What dictBody() says to write: the record's kind and its words 2 and 3. */
export let bodyKind: u32 = 0;
export let bodyA: u32 = 0;
export let bodyB: u32 = 0;

export function useKeyOrders(): void {
  table = field(Field.KEY_ORDERS);
  stamp = field(Field.KEY_ORDER_STAMP);
  ids = field(Field.KEY_ORDER_IDS);
}

export function saveKeyOrders(): void {
  setField(Field.KEY_ORDER_IDS, ids);
}

/** What a record does to the items above a dict body's MARK (see keysOfBody); a table: switches took ~50 instructions a record. */
const enum Effect {
  /** Not followed: the body is not folded. */
  UNKNOWN = 0,
  /** Pushes one value, touching nothing else (GLOBAL: a class or function, by its name). */
  PUSH,
  MARK,
  /** End what their MARK opened: filling the item below it (APPENDS, SETITEMS, ADDITEMS), pushing what they make (TUPLE, LIST, DICT, FROZENSET), or nothing (POP_MARK); OBJ and INST are not followed. */
  CLOSE_FILL,
  CLOSE_PUSH,
  CLOSE_NONE,
  CLOSE_OTHER,
  /**
   * Take the top one (a memo store of it, TUPLE1), two (APPEND, TUPLE2, STACK_GLOBAL, REDUCE, BUILD, NEWOBJ)
   * or three (TUPLE3, SETITEM, NEWOBJ_EX) items, making or changing the item then on top. The code these
   * call (the registry's, a class's) runs as it would unfolded: a fold drops only key GETs and a MARK.
   */
  TAKE_1,
  TAKE_2,
  TAKE_3,
  /** A folded dict body's end: takes its values (word 3) and changes the dict below them. */
  DICT_VALUES,
}
const effectOf = new StaticArray<u8>(256);
for (let kind = 0; kind < 256; kind++) effectOf[kind] = <u8>effectFor(kind);

function effectFor(kind: u32): Effect {
  switch (kind) {
    case Rec.NUMBER: case Rec.INT64: case Rec.BIGINT_BYTES: case Rec.BIGINT_TEXT: case Rec.FLOAT_TEXT: case Rec.STR:
    case Rec.STR_UNITS: case Rec.PY2STR: case Rec.PY2STR_QUOTED: case Rec.UNICODE_RAW: case Rec.BYTES: case Rec.BYTEARRAY:
    case Rec.GET:
    case Rec.TRUE: case Rec.FALSE: case Op.NEWTRUE: case Op.NEWFALSE: case Op.NONE: case Op.EMPTY_LIST:
    case Op.EMPTY_TUPLE: case Op.EMPTY_DICT: case Op.EMPTY_SET: case Op.GLOBAL: return Effect.PUSH;
    case Op.MARK: return Effect.MARK;
    case Op.APPENDS: case Op.SETITEMS: case Op.ADDITEMS: return Effect.CLOSE_FILL;
    case Op.TUPLE: case Op.LIST: case Op.DICT: case Op.FROZENSET: return Effect.CLOSE_PUSH;
    case Op.POP_MARK: return Effect.CLOSE_NONE;
    case Op.OBJ: case Op.INST: return Effect.CLOSE_OTHER;
    case Rec.PUT: case Op.MEMOIZE: case Op.TUPLE1: return Effect.TAKE_1;
    case Op.APPEND: case Op.TUPLE2: case Op.STACK_GLOBAL: case Op.REDUCE: case Op.BUILD: case Op.NEWOBJ: return Effect.TAKE_2;
    case Op.TUPLE3: case Op.SETITEM: case Op.NEWOBJ_EX: return Effect.TAKE_3;
    case Rec.DICT_VALUES: return Effect.DICT_VALUES;
    default: return Effect.UNKNOWN;
  }
}

/** Where key `i`'s record is noted (a plain pointer: a managed array's reads note it on the shadow stack). */
@inline function keySlot(i: u32): usize {
  return changetype<usize>(keyRecords) + (<usize>i << alignof<usize>());
}

/** The item at stack position `p` above the body's MARK is pushed or changed by other than a GET's push: if a key, not a GET. */
@inline function notAKey(p: i32): void {
  if ((p & 1) == 0) store<usize>(keySlot(<u32>p >> 1), 0);
}

/**
 * How many keys the body between the MARK at `mark` and `end` leaves, each
 * the bare GET whose record is in keyRecords; 0 when it leaves an odd number
 * of items, fewer than MIN_KEYS or more than MAX_KEYS keys, a key that is
 * not a bare GET, or records whose effect on the body's items this does not
 * follow, or when that MARK is not the one the body's SETITEMS closes. A key's
 * place may hold other items while a value is made (a datetime's arguments
 * before its REDUCE): the record that pushes a key's place last decides.
 * Items are counted at the body's own level: within a nested MARK the
 * replay's fence keeps everything above that MARK.
 */
function keysOfBody(mark: usize, end: usize): u32 {
  const effects = changetype<usize>(effectOf);
  let count: i32 = 0; // items above the body's MARK
  let nested: u32 = 0;
  let r = mark + Layout.RECORD_BYTES;
  // most bodies are a GET and a value of one record in turn: two records a step, then the general loop from where that ends
  while (r + Layout.RECORD_BYTES < end && (load<u32>(r) & 0xff) == Rec.GET && count < <i32>KeyOrders.MAX_KEYS * 2) {
    if (<u32>load<u8>(effects + (load<u32>(r, Layout.RECORD_BYTES) & 0xff)) != Effect.PUSH) break;
    store<usize>(keySlot(<u32>count >> 1), r);
    count += 2;
    r += 2 * Layout.RECORD_BYTES;
  }
  for (; r < end; r += Layout.RECORD_BYTES) {
    const effect = <u32>load<u8>(effects + (load<u32>(r) & 0xff));
    if (effect == Effect.PUSH) {
      if (nested > 0) continue;
      if (count >= <i32>KeyOrders.MAX_KEYS * 2) return 0;
      if ((count & 1) == 0) store<usize>(keySlot(<u32>count >> 1), (load<u32>(r) & 0xff) == Rec.GET ? r : 0);
      count++;
      continue;
    }
    if (effect == Effect.MARK) {
      nested++;
      continue;
    }
    if (effect >= <u32>Effect.CLOSE_FILL && effect <= <u32>Effect.CLOSE_OTHER) {
      if (nested == 0) return 0; // (not the body's MARK)
      if (--nested > 0) continue;
      if (effect == Effect.CLOSE_FILL) {
        if (count == 0) return 0;
        notAKey(count - 1);
      } else if (effect == Effect.CLOSE_PUSH) {
        if (count >= <i32>KeyOrders.MAX_KEYS * 2) return 0;
        notAKey(count);
        count++;
      } else if (effect == Effect.CLOSE_OTHER) {
        return 0;
      }
      continue;
    }
    if (nested > 0) continue;
    let taken: i32; // items the record takes off the top, making or changing the item then at the top
    switch (effect) {
      case Effect.TAKE_1: taken = 1; break;
      case Effect.TAKE_2: taken = 2; break;
      case Effect.TAKE_3: taken = 3; break;
      case Effect.DICT_VALUES: taken = <i32>load<u32>(r, 12) + 1; break;
      default: return 0;
    }
    if (count < taken) return 0;
    count -= taken - 1;
    notAKey(count - 1);
  }
  if (nested != 0 || (count & 1) != 0) return 0;
  const keys = <u32>count >> 1;
  if (keys < <u32>KeyOrders.MIN_KEYS || keys > <u32>KeyOrders.MAX_KEYS) return 0;
  for (let i: u32 = 0; i < keys; i++) if (load<usize>(keySlot(i)) == 0) return 0;
  return keys;
}

/** Where a table slot holds the memo index of its order's key `i`. */
@inline function slotKey(slot: usize, i: u32): usize {
  return slot + 12 + (<usize>i << 2);
}

/** The memo index of key `i` of the body keysOfBody() last read. */
@inline function keyIndex(i: u32): u32 {
  return load<u32>(load<usize>(keySlot(i)), 8);
}

/**
 * The SETITEMS whose record goes at `at`, and the MARK record after the
 * EMPTY_DICT it may close (`mark`; 0: none on this tape): sets bodyKind,
 * bodyA and bodyB, and returns where to write the record. A
 * body whose keys are GETs, in an order of `keys` memo indices given an id
 * before, is folded: its records but the MARK and the keys' move down over
 * them, and the record (DICT_VALUES) goes after them. An order met the first
 * time is given an id, if any are left, in SETITEMS' word 2 (id + 1).
 * `ordered`: no memo index can have been bound twice, and the load is not small (see KeyOrders).
 */
export function dictBody(mark: usize, at: usize, ordered: bool): usize {
  bodyKind = Op.SETITEMS;
  bodyA = bodyB = 0;
  if (!ordered || mark == 0 || at - mark > <usize>KeyOrders.MAX_BODY_RECORDS * Layout.RECORD_BYTES) return at;
  const keys = keysOfBody(mark, at);
  if (keys == 0) return at;
  const slot = table + ((<usize>keyIndex(0) & (<usize>KeyOrders.SLOTS - 1)) * KeyOrders.ENTRY_WORDS << 2);
  if (load<u32>(slot) == stamp && load<u32>(slot, 8) == keys) {
    let i: u32 = 0;
    while (i < keys && load<u32>(slotKey(slot, i)) == keyIndex(i)) i++;
    if (i == keys) {
      bodyKind = Rec.DICT_VALUES;
      bodyA = load<u32>(slot, 4);
      bodyB = keys;
      return dropKeys(mark, at, keys);
    }
  }
  if (ids < <u32>KeyOrders.MAX_IDS) {
    store<u32>(slot, stamp);
    store<u32>(slot, ids, 4);
    store<u32>(slot, keys, 8);
    for (let i: u32 = 0; i < keys; i++) store<u32>(slotKey(slot, i), keyIndex(i));
    bodyA = ++ids;
  }
  return at;
}

/** Moves the records of the body from `mark` to `end` down over its MARK and its `keys` key records; returns the address after them. */
function dropKeys(mark: usize, end: usize, keys: u32): usize {
  let to = mark;
  let key: u32 = 0;
  let next = load<usize>(keySlot(0));
  for (let r = mark + Layout.RECORD_BYTES; r < end; r += Layout.RECORD_BYTES) {
    if (r == next) {
      next = ++key < keys ? load<usize>(keySlot(key)) : 0;
      continue;
    }
    store<u64>(to, load<u64>(r));
    store<u64>(to, load<u64>(r, 8), 8);
    to += Layout.RECORD_BYTES;
  }
  return to;
}
