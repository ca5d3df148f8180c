// A payload's values made in plain JS with nothing to read: the floor under
// any loader's time (bench/floor.mjs). From the value a load gives, a plan is
// made once: the UTF-8 bytes of each str in one buffer, the numbers in typed
// arrays, and each str met more than once taken from a table, as
// pickle-wasm's string cache and memo give it. The timed function then makes
// the same values by the library's own means (its str makers, an object
// literal for the dicts' key order, array literals for short lists) in code
// compiled for the payload's shape: it reads no opcode and dispatches on
// nothing.
import { isDeepStrictEqual } from 'node:util';
import { latin1String, utf8String } from '../dist/esm/strings.js';

const encoder = new TextEncoder();

/** The strs a plan makes, in the order it makes them: each from its bytes, or from the table if it recurs. */
class StrPlan {
  constructor(strs) {
    const counts = new Map();
    for (const s of strs) counts.set(s, (counts.get(s) ?? 0) + 1);
    const tableIndex = new Map();
    this.table = [];
    for (const [s, count] of counts) if (count > 1) tableIndex.set(s, this.table.push(s) - 1);
    const encoded = strs.map((s) => (tableIndex.has(s) ? null : encoder.encode(s)));
    this.bytes = new Uint8Array(encoded.reduce((sum, e) => sum + (e?.length ?? 0), 0));
    this.start = new Int32Array(strs.length); // a table str: -1 - its index
    this.end = new Int32Array(strs.length);
    this.ascii = new Uint8Array(strs.length);
    let at = 0;
    strs.forEach((s, k) => {
      const e = encoded[k];
      if (e === null) {
        this.start[k] = -1 - tableIndex.get(s);
        return;
      }
      this.bytes.set(e, at);
      this.start[k] = at;
      this.end[k] = at += e.length;
      this.ascii[k] = e.every((b) => b < 0x80) ? 1 : 0;
    });
  }

  /** The k-th str: as the replay makes a str record (flags 0: beyond ASCII, the UTF-8 decode). */
  make(k) {
    const start = this.start[k];
    if (start < 0) return this.table[-1 - start];
    return this.ascii[k] ? latin1String(this.bytes, start, this.end[k]) : utf8String(this.bytes, start, this.end[k], 0);
  }
}

/** A list of `count` strs of the plan from its k-th: an array literal up to 3, as the replay sizes short lists. */
function strList(plan, count, k) {
  switch (count) {
    case 0: return [];
    case 1: return [plan.make(k)];
    case 2: return [plan.make(k), plan.make(k + 1)];
    case 3: return [plan.make(k), plan.make(k + 1), plan.make(k + 2)];
    default: return Array.from({ length: count }, (_, i) => plan.make(k + i));
  }
}

/** Items a batch: the pickle's APPENDS batches, as CPython writes them. */
const BATCH = 1000;

/**
 * A list of n items made a batch at a time by makeBatch(from, to), put into
 * the list at its size at the end, as the replay keeps a long list's batches
 * (Unpickler's keepBatch): 200k strs take ~10 ms so, ~17 ms stored one by
 * one into a list made at its size (each young str stored into the old list
 * costs the scavenger).
 */
function batchedList(n, makeBatch) {
  const batches = [];
  for (let i = 0; i < n; i += BATCH) batches.push(makeBatch(i, Math.min(n, i + BATCH)));
  const out = [];
  out.length = n;
  let at = 0;
  for (const batch of batches) for (let j = 0; j < batch.length; j++) out[at++] = batch[j];
  return out;
}

const isStrList = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** What a field of every record holds, and the code that makes it for record i (k: the next str). */
function fieldPlan(values, j) {
  if (values.every((v) => typeof v === 'number')) return { column: Float64Array.from(values), code: `c${j}[i]` };
  if (values.every((v) => typeof v === 'boolean')) return { column: Uint8Array.from(values, Number), code: `c${j}[i] === 1` };
  if (values.every((v) => typeof v === 'string')) return { code: 'plan.make(k++)' };
  if (values.every(isStrList)) return { column: Uint8Array.from(values, (v) => v.length), code: `strList(plan, c${j}[i], (k += c${j}[i]) - c${j}[i])` };
  throw new Error('no plan for a field that is not all numbers, all bools, all strs or all lists of strs');
}

/** A list of plain dicts of one key order. */
function recordsPlan(records) {
  const keys = Object.keys(records[0]);
  if (!records.every((r) => Object.keys(r).join('\0') === keys.join('\0'))) throw new Error('no plan for dicts of different keys');
  const fields = keys.map((key, j) => fieldPlan(records.map((r) => r[key]), j));
  // the strs in the order the records make them
  const strs = [];
  for (const r of records) for (const key of keys) if (typeof r[key] === 'string' || isStrList(r[key])) strs.push(...[r[key]].flat());
  const plan = new StrPlan(strs);
  const literal = `{ ${keys.map((key, j) => `${JSON.stringify(key)}: v${j}`).join(', ')} }`;
  const make = new Function(...keys.map((_, j) => `v${j}`), `return ${literal};`);
  const columns = fields.map((f) => f.column);
  // A list made at its size and stored into (~23 ms; by batches as for strs, ~29): V8 pretenures the literal's
  // dicts, and an old object stored into the list costs the scavenger nothing.
  const body = `
    const out = new Array(${records.length});
    let k = 0;
    for (let i = 0; i < ${records.length}; i++) out[i] = make(${fields.map((f) => f.code).join(', ')});
    return out;`;
  return new Function('plan', 'strList', 'make', ...columns.map((_, j) => `c${j}`), `return () => {${body}};`)(plan, strList, make, ...columns);
}

/** A list of strs. */
function strsPlan(strs) {
  const plan = new StrPlan(strs);
  const batch = (from, to) => {
    const items = [];
    for (let i = from; i < to; i++) items.push(plan.make(i));
    return items;
  };
  return () => batchedList(strs.length, batch);
}

/**
 * A list of numbers and int64 bigints (Python ints beyond 2^53), grown by
 * doubling as the replay grows it, a batch of 1000 at a time: made at its
 * size and stored into, 1M of bench's ints took 57–69 ms, grown so 39–43
 * (2026-12-07, a slow day). A list holding bigints holds its other
 * numbers boxed too: each of the ints' 400k young objects costs the
 * scavenger, where a list of doubles holds them unboxed.
 */
function numbersPlan(items) {
  const doubles = new Float64Array(items.length);
  const int64s = new BigInt64Array(items.length);
  const isBigInt = Uint8Array.from(items, (v) => (typeof v === 'bigint' ? 1 : 0));
  items.forEach((v, i) => {
    if (typeof v === 'bigint') int64s[i] = v;
    else doubles[i] = v;
  });
  return () => {
    const out = [];
    for (let from = 0; from < items.length; from += BATCH) {
      const to = Math.min(items.length, from + BATCH);
      if (to > out.length) out.length = Math.max(2 * out.length, to);
      for (let i = from; i < to; i++) out[i] = isBigInt[i] === 1 ? int64s[i] : doubles[i];
    }
    out.length = items.length;
    return out;
  };
}

const isInt64 = (v) => typeof v === 'bigint' && BigInt.asIntN(64, v) === v;

/**
 * A function that makes `value` again (a list of strs, of numbers and int64
 * bigints, or of plain dicts of one key order), reading nothing; checked once
 * to make values deep-equal to `value`.
 */
export function valuesAlone(value) {
  let make = null;
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((v) => typeof v === 'string')) make = strsPlan(value);
    else if (value.every((v) => typeof v === 'number' || isInt64(v))) make = numbersPlan(value);
    else if (value.every((v) => v !== null && Object.getPrototypeOf(v) === Object.prototype)) make = recordsPlan(value);
  }
  if (make === null) throw new Error('no plan for this payload: only a list of strs, of numbers, or of dicts of one key order');
  if (!isDeepStrictEqual(make(), value)) throw new Error('the plan made other values than the load');
  return make;
}
