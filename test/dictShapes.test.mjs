// Dicts whose key order repeats are made by a compiled object literal
// (src/dictShapes.ts) in place of the empty object EMPTY_DICT made: the same
// values, the same identities (memo, self-references), and no more compiling
// than the budget; where compiling is refused, the plain path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { Tuple, dumps, loads } from 'pickle-wasm';

const bytes = (text) => Buffer.from(text, 'latin1');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b.toString('latin1'); };
const str = (s) => `X${u32(s.length)}${s}`;
/** A protocol 2 dict, {key: small int, …}, filled by one SETITEMS; `put` memoizes it (BINPUT). */
const dict = (pairs, put = '') => `}${put}(${pairs.map(([k, v]) => str(k) + 'K' + String.fromCharCode(v)).join('')}u`;
const list = (...items) => `\x80\x02(${items.join('')}l.`;
/** Loads a pickle three times (a key order compiles the second time it is seen) and returns each result. */
const thrice = (data) => [loads(data), loads(data), loads(data)];

test('dicts of a repeated key order load with the same keys, order and values', () => {
  const records = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, score: i / 4, tags: ['x'], active: i % 2 === 0 }));
  for (const protocol of [0, 1, 2, 4, 5]) {
    for (const value of thrice(dumps(records, { protocol }))) {
      assert.deepStrictEqual(value, records);
      assert.deepEqual(Object.keys(value[49]), ['id', 'name', 'score', 'tags', 'active']);
    }
  }
  // a key twice in one SETITEMS: the last value, at the first place (as Python)
  const twice = list(...Array(3).fill(dict([['a', 1], ['b', 2], ['c', 3], ['d', 4], ['a', 5]])));
  for (const value of thrice(bytes(twice))) assert.deepEqual(value.map((d) => Object.entries(d)), Array(3).fill([['a', 5], ['b', 2], ['c', 3], ['d', 4]]));
  // "__proto__" stays an own key; array-index keys keep Python's order when the dict becomes a Map
  const proto = list(...Array(3).fill(dict([['a', 1], ['__proto__', 2], ['c', 3], ['d', 4]])));
  for (const value of thrice(bytes(proto))) {
    for (const d of value) {
      assert.equal(Object.getPrototypeOf(d), Object.prototype);
      assert.deepEqual(Object.entries(d), [['a', 1], ['__proto__', 2], ['c', 3], ['d', 4]]);
    }
  }
});

test('a dict made from a compiled key order keeps its identity: memo slots and self-references', () => {
  const keys = [['a', 1], ['b', 2], ['c', 3], ['d', 4]];
  // memoized in two slots (BINPUT 0, BINPUT 1), then both fetched
  const twoSlots = `\x80\x02${dict(keys, 'q\x00q\x01')}h\x00h\x01\x87.`;
  for (const [d, viaFirst, viaSecond] of thrice(bytes(twoSlots))) {
    assert.deepEqual(d, { a: 1, b: 2, c: 3, d: 4 });
    assert.equal(viaFirst, d);
    assert.equal(viaSecond, d);
  }
  // a dict holding itself: fetched (BINGET) before its SETITEMS
  const selfRef = (n) => `}q${String.fromCharCode(n)}(${keys.map(([k, v]) => str(k) + 'K' + String.fromCharCode(v)).join('')}${str('self')}h${String.fromCharCode(n)}u`;
  for (const value of thrice(bytes(`\x80\x02(${selfRef(0)}${selfRef(1)}${selfRef(2)}l.`))) {
    for (const d of value) {
      assert.equal(d.self, d);
      assert.equal(d.d, 4);
    }
  }
  // shared through the memo by dumps: one object, everywhere
  const shared = { a: 1, b: 2, c: 3, d: 4 };
  for (const [x, y, z] of thrice(dumps([shared, shared, Tuple.of(shared)]))) {
    assert.equal(x, y);
    assert.equal(z[0], x);
    assert.deepEqual(x, shared);
  }
});

test('the empty object a replaced dict leaves is the next empty dict, once: empty dicts stay distinct, shared ones shared', () => {
  const shared = {};
  const full = () => ({ a: 1, b: 2, c: 3, d: 4 });
  // each empty dict right after a dict made whole (which leaves its empty object spare)
  const value = [full(), {}, full(), {}, {}, full(), shared, full(), shared, new Map([[1, {}]]), full(), { e: {} }];
  for (const protocol of [2, 5]) {
    for (const loaded of thrice(dumps(value, { protocol }))) {
      assert.deepStrictEqual(loaded, value);
      const empties = [loaded[1], loaded[3], loaded[4], loaded[6], loaded[9].get(1), loaded[11].e];
      assert.equal(new Set(empties).size, empties.length, 'distinct empty dicts');
      assert.equal(loaded[6], loaded[8]);
      for (const empty of empties) assert.deepEqual(Object.keys(empty), []);
    }
  }
});

test('a dict whose first key is not a str is made a Map at once, keeping its identity', () => {
  // memoized in two slots, then both fetched; an empty batch after it changes nothing
  const data = bytes('\x80\x02}q\x00q\x01(K\x01K\x02K\x03K\x04u(uh\x00h\x01\x87.');
  const [d, viaFirst, viaSecond] = loads(data);
  assert.deepEqual(d, new Map([[1, 2], [3, 4]]));
  assert.equal(viaFirst, d);
  assert.equal(viaSecond, d);
  // an empty dict stays a plain object
  assert.deepEqual(loads(bytes('\x80\x02}q\x00(u.')), {});
});

test('a load compiles at most its budget of key orders, however many repeat', () => {
  const orders = Array.from({ length: 200 }, (_, i) => dict([[`a${i}`, 1], ['b', 2], ['c', 3], ['d', 4]]));
  const data = bytes(list(...orders, ...orders));
  const Original = globalThis.Function;
  let compiled = 0;
  globalThis.Function = new Proxy(Original, { construct: (target, args) => (compiled++, Reflect.construct(target, args)) });
  try {
    const value = loads(data);
    assert.equal(value.length, 400);
    assert.deepEqual(value[399], { a199: 1, b: 2, c: 3, d: 4 });
  } finally {
    globalThis.Function = Original;
  }
  assert.ok(compiled > 0 && compiled <= 32, `compiled ${compiled} key orders`);
});

test('keys longer than 64 characters are neither kept nor compiled', () => {
  const long = 'k'.repeat(65);
  const data = bytes(list(...Array(5).fill(dict([[long, 1], ['b', 2], ['c', 3], ['d', 4]]))));
  const Original = globalThis.Function;
  let compiled = 0;
  globalThis.Function = new Proxy(Original, { construct: (target, args) => (compiled++, Reflect.construct(target, args)) });
  try {
    for (const value of thrice(data)) assert.deepEqual(value[4], { [long]: 1, b: 2, c: 3, d: 4 });
  } finally {
    globalThis.Function = Original;
  }
  assert.equal(compiled, 0);
});

test('where compiling code is refused, dicts load the plain way', () => {
  const script = `
    const { dumps, loads } = await import('pickle-wasm');
    const rows = Array.from({ length: 20 }, (_, i) => ({ id: i, name: 'n' + i, score: i / 4, ok: true }));
    const data = dumps(rows);
    console.log(JSON.stringify([loads(data), loads(data)]));`;
  const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const rows = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `n${i}`, score: i / 4, ok: true }));
  assert.deepEqual(JSON.parse(out), [rows, rows]);
});

test('a dict of 20 str keys or more, seen once, is a fast object with its keys, values and identity', () => {
  // V8 makes an object given 20 properties one by one a dictionary: the loaded dict is its copy
  const keys = Array.from({ length: 24 }, (_, i) => (i === 5 ? '__proto__' : `key_${i}`));
  const many = dict(keys.map((k, i) => [k, i]), 'q\x00'); // memoized: the list's second item is its GET
  const script = `
    const { loads } = await import('pickle-wasm');
    const value = loads(Buffer.from(${JSON.stringify(list(many, 'h\x00'))}, 'latin1'));
    console.log(JSON.stringify([%HasFastProperties(value[0]), value[0] === value[1], Object.getPrototypeOf(value[0]) === Object.prototype, Object.entries(value[0])]));`;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const [fast, shared, prototype, entries] = JSON.parse(out);
  assert.equal(fast, true, 'a fast object');
  assert.equal(shared, true, 'its memo slot holds the copy');
  assert.equal(prototype, true, '"__proto__" stays an own key');
  assert.deepEqual(entries, keys.map((k, i) => [k, i]));
  // an array-index key among them: not copied (its Python order is kept aside for it), and still right
  const indexed = loads(bytes(list(dict([...keys.map((k, i) => [k, i]), ['7', 99]], 'q\x00'), 'h\x00', 'K\x01')));
  assert.equal(indexed[0], indexed[1]);
  assert.deepEqual(Object.entries(indexed[0]), [['7', 99], ...keys.map((k, i) => [k, i])]);
});
