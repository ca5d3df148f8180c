// Lists that the tape shows filled right after their EMPTY_LIST (one-value
// items, then APPEND or MARK … APPENDS) are made at their size: each must
// load with exactly its items, keep its identity where the pickle refers to
// it, and fall back to growing when anything else comes between.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loadStream, loads } from 'pickle-wasm';
import { needsPython, pythonDumps } from './helpers/python.mjs';
import { random as seeded } from './helpers/random.mjs';

const EMPTY_LIST = 0x5d;
const MARK = 0x28;
const APPEND = 0x61;
const APPENDS = 0x65;
const NONE = 0x4e;
const POP = 0x30;
const STOP = 0x2e;
const int1 = (v) => [0x4b, v];
const binget = (i) => [0x68, i];
const binput = (i) => [0x71, i];
const long1 = (v) => { const b = Buffer.alloc(10); b[0] = 0x8a; b[1] = 8; b.writeBigInt64LE(v, 2); return [...b]; };
const pickle = (...ops) => Buffer.from([0x80, 2, ...ops.flat(), STOP]);

/** The values loadStream reads from `chunks`. */
async function streamed(chunks) {
  const values = [];
  for await (const value of loadStream(chunks)) values.push(value);
  return values;
}

/** Whether every index of `list` holds an item (no hole left by a size guessed too large). */
const packed = (list) => list.every((_, i) => Object.hasOwn(list, i)) && Object.keys(list).length === list.length;

test('hand-written small lists load with exactly their items', async () => {
  const cases = [
    [pickle(EMPTY_LIST, int1(7), APPEND), [7]],
    [pickle(EMPTY_LIST, MARK, APPENDS), []],
    [pickle(EMPTY_LIST, MARK, int1(1), APPENDS), [1]],
    [pickle(EMPTY_LIST, MARK, int1(1), NONE, int1(3), APPENDS), [1, null, 3]],
    // a run of numbers (with an int beyond 2^53, so the EMPTY_LIST is not flagged for it): filled by the run
    [pickle(EMPTY_LIST, MARK, int1(1), long1(2n ** 60n), APPENDS), [1, 2n ** 60n]],
    // a second APPEND, a second batch: pushed after the sized part
    [pickle(EMPTY_LIST, int1(1), APPEND, int1(2), APPEND), [1, 2]],
    [pickle(EMPTY_LIST, MARK, int1(1), int1(2), APPENDS, MARK, int1(3), APPENDS), [1, 2, 3]],
    // a nested list between: not one-value items, so the outer list grows as any
    [pickle(EMPTY_LIST, MARK, int1(1), EMPTY_LIST, int1(2), APPEND, APPENDS), [1, [2]]],
    [pickle(EMPTY_LIST, EMPTY_LIST, APPEND), [[]]],
    // a record that pops between: the records are not the items
    [pickle(EMPTY_LIST, MARK, int1(1), int1(2), POP, APPENDS), [1]],
    // more items than MAX_SIZED_LIST (32)
    [pickle(EMPTY_LIST, MARK, ...Array.from({ length: 40 }, (_, i) => int1(i)), APPENDS), Array.from({ length: 40 }, (_, i) => i)],
  ];
  for (const [data, expected] of cases) {
    const list = loads(data);
    assert.deepEqual(list, expected, data.toString('hex'));
    assert.ok(packed(list), `no holes: ${data.toString('hex')}`);
    assert.deepEqual(await streamed([data.subarray(0, 5), data.subarray(5)]), [expected]);
  }
});

test('a small list that holds itself stays one object', () => {
  for (const data of [
    pickle(EMPTY_LIST, binput(0), binget(0), APPEND),
    pickle(EMPTY_LIST, binput(0), MARK, int1(5), binget(0), APPENDS),
  ]) {
    const list = loads(data);
    assert.equal(list[list.length - 1], list);
    assert.ok(packed(list));
  }
});

test('a small list whose item is missing from the memo fails as any', () => {
  assert.throws(() => loads(pickle(EMPTY_LIST, MARK, int1(1), binget(9), APPENDS)), { name: 'UnpicklingError', message: /memo value not found at index 9/ });
});

test('many small lists round-trip across tape chunks, whole and streamed', async () => {
  const random = seeded(5);
  const words = ['alpha', 'beta', 'gamma', 'délta'];
  const lists = Array.from({ length: 20_000 }, () =>
    Array.from({ length: Math.floor(random() * 5) }, () => {
      const r = random();
      return r < 0.4 ? words[Math.floor(random() * words.length)] : r < 0.7 ? Math.floor(random() * 1000) : r < 0.8 ? null : r < 0.9 ? true : random() * 10;
    }),
  );
  const value = lists.map((tags, id) => ({ id, tags, created: `2026-01-${id % 28}` }));
  for (const protocol of [1, 2, 3, 4, 5]) {
    const data = dumps(value, { protocol });
    const loaded = loads(data);
    assert.deepEqual(loaded, value, `protocol ${protocol}`);
    assert.ok(loaded.every((record) => packed(record.tags)), `protocol ${protocol}: no holes`);
    const chunks = [];
    for (let at = 0; at < data.length; at += 3001) chunks.push(data.subarray(at, at + 3001));
    assert.deepEqual(await streamed(chunks), [value], `protocol ${protocol}, streamed`);
  }
});

test('small lists pickled by CPython load as Python has them', { skip: needsPython }, () => {
  const expr = `[{'id': i, 'tags': ['a', 'b'][:i % 3] + [None, True, 1.5, i][:i % 4]} for i in range(5000)]`;
  const expected = Array.from({ length: 5000 }, (_, i) => ({ id: i, tags: [...['a', 'b'].slice(0, i % 3), ...[null, true, 1.5, i].slice(0, i % 4)] }));
  for (const protocol of [1, 2, 5]) assert.deepEqual(loads(pythonDumps(expr, protocol)), expected, `protocol ${protocol}`);
});
