// Lists of numbers written by hand, opcode by opcode: runs of one opcode
// (BINFLOAT, BININT, BININT1, BININT2), which the scanner reads in a loop of
// their own, cut by the tape's end, the window's end and other opcodes, and
// read whole and as a stream split into small chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStream, loads } from 'pickle-wasm';
import { random as seeded } from './helpers/random.mjs';

const OPS = {
  float: (v) => { const b = Buffer.alloc(9); b[0] = 0x47; b.writeDoubleBE(v, 1); return b; },
  int4: (v) => { const b = Buffer.alloc(5); b[0] = 0x4a; b.writeInt32LE(v, 1); return b; },
  int1: (v) => Buffer.from([0x4b, v]),
  int2: (v) => { const b = Buffer.alloc(3); b[0] = 0x4d; b.writeUInt16LE(v, 1); return b; },
};
const VALUE_OF = {
  float: (r) => (r() - 0.5) * 1e6,
  int4: (r) => Math.floor((r() - 0.5) * 2 ** 32),
  int1: (r) => Math.floor(r() * 256),
  int2: (r) => Math.floor(r() * 65536),
};

/** A protocol 2 pickle of a list of `values` (each [kind, number]) in batches of `batch` (MARK … APPENDS). */
function listPickle(values, batch) {
  const parts = [Buffer.from([0x80, 2, 0x5d])]; // PROTO 2, EMPTY_LIST
  for (let i = 0; i < values.length; i += batch) {
    parts.push(Buffer.from([0x28])); // MARK
    for (const [kind, v] of values.slice(i, i + batch)) parts.push(OPS[kind](v));
    parts.push(Buffer.from([0x65])); // APPENDS
  }
  parts.push(Buffer.from([0x2e])); // STOP
  return Buffer.concat(parts);
}

/** Runs of one kind each, of lengths from `lengths`, kinds in turn. */
function runs(random, lengths) {
  const kinds = Object.keys(OPS);
  const values = [];
  lengths.forEach((length, i) => {
    const kind = kinds[i % kinds.length];
    for (let k = 0; k < length; k++) values.push([kind, VALUE_OF[kind](random)]);
  });
  return values;
}

test('runs of one number opcode load as written, at every length around the tape and the window', async () => {
  const random = seeded(22);
  const cases = [
    runs(random, [1, 2, 3, 1, 1, 2]),
    runs(random, [4095, 4096, 4097, 1, 8191]),
    runs(random, [100_000, 3, 70_000, 1, 200_000]), // runs longer than the window (64 KiB of input)
    runs(random, Array.from({ length: 400 }, () => 1 + Math.floor(random() * 40))),
  ];
  for (const values of cases) {
    const expected = values.map(([, v]) => v);
    for (const batch of [1000, 7, 1_000_000]) {
      const pickle = listPickle(values, batch);
      assert.deepEqual(loads(pickle), expected, `${values.length} numbers, batches of ${batch}`);
      const chunks = [];
      for (let at = 0; at < pickle.length; at += 4099) chunks.push(pickle.subarray(at, at + 4099));
      const streamed = [];
      for await (const value of loadStream(chunks)) streamed.push(value);
      assert.deepEqual(streamed, [expected], `${values.length} numbers, batches of ${batch}, streamed`);
    }
  }
});

test('a run of numbers cut short by a truncated pickle is an UnpicklingError', () => {
  const pickle = listPickle(runs(seeded(5), [5000]), 1_000_000);
  for (const cut of [pickle.length - 1, pickle.length - 2, 3 + 9 * 2500 + 4]) {
    assert.throws(() => loads(pickle.subarray(0, cut)), { name: 'UnpicklingError' });
  }
});

test('a record other than a number inside a MARK ends the run: the items load as written', () => {
  // [the record's bytes, the item it pushes (none for a memo store)]
  const others = {
    'EMPTY_LIST': [[0x5d], () => []],
    'EMPTY_DICT': [[0x7d], () => ({})],
    'NONE': [[0x4e], () => null],
    'NEWTRUE': [[0x88], () => true],
    'SHORT_BINUNICODE': [[0x8c, 1, 0x61], () => 'a'],
    'BINPUT out of order': [[0x71, 9], null],
  };
  const number = (v) => [0x4b, v]; // BININT1
  for (const [name, [op, value]] of Object.entries(others)) {
    for (const at of [1, 2, 3].concat(value ? [0] : [])) {
      // [1, 2, 3] with the other record before item `at`, in a list, a tuple and a dict
      const items = [1, 2, 3].map(number);
      const body = [...items.slice(0, at), op, ...items.slice(at)].flat();
      const list = [1, 2, 3];
      if (value) list.splice(at, 0, value());
      const listPickle = Buffer.from([0x80, 2, 0x5d, 0x28, ...body, 0x65, 0x2e]); // EMPTY_LIST MARK … APPENDS STOP
      assert.deepEqual(loads(listPickle), list, `${name} at ${at} in a list`);
      const tuplePickle = Buffer.from([0x80, 2, 0x28, ...body, 0x74, 0x2e]); // MARK … TUPLE STOP
      assert.deepEqual([...loads(tuplePickle)], list, `${name} at ${at} in a tuple`);
    }
    // {1: 2, 3: the item, 4: 5}, or {1: 2, 3: 4} with the store after the 2
    const pairs = value ? [number(1), number(2), number(3), op, number(4), number(5)] : [number(1), number(2), op, number(3), number(4)];
    const dict = value ? new Map([[1, 2], [3, value()], [4, 5]]) : new Map([[1, 2], [3, 4]]);
    const dictPickle = Buffer.from([0x80, 2, 0x7d, 0x28, ...pairs.flat(), 0x75, 0x2e]); // EMPTY_DICT MARK … SETITEMS STOP
    assert.deepEqual(loads(dictPickle), dict, `${name} in a dict`);
  }
});
