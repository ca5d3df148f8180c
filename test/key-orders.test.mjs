// Dict bodies whose keys are memo GETs in an order met before: the scanner
// drops their MARK and key records, and the replay makes the dict from the
// values and the keys it kept (KeyOrders in src/tape.ts). Each case here loads
// as the same pickle without that shortcut would: as Python loads it. Loads
// fold only with 64 KiB of input at hand (KeyOrders.MIN_INPUT), so small
// pickles here have that much padding after their STOP (loads, as Python's,
// reads the one pickle and leaves what follows).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tuple, Unpickler, UnpicklingError, dumps, loadStream, loads } from 'pickle-wasm';
import { countFolded as counted } from './helpers/folded.mjs';
import { needsPython, runPythonCode } from './helpers/python.mjs';

const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b.toString('latin1'); };
const str = (s) => `X${u32(s.length)}${s}`;
const int = (n) => `J${u32(n)}`;

/** A protocol 2 pickle written opcode by opcode; memo stores at the next index, as Python writes them. */
class Writer {
  text = '\x80\x02';
  next = 0;
  /** Writes `ops` followed by a BINPUT (LONG_BINPUT) at the next index; returns that index. */
  put(ops = '') {
    this.text += ops + `r${u32(this.next)}`;
    return this.next++;
  }
  add(ops) {
    this.text += ops;
    return this;
  }
  bytes() {
    return padded(Buffer.from(`${this.text}.`, 'latin1'));
  }
}
const padded = (data) => Buffer.concat([data, Buffer.alloc(65536)]);
const get = (index) => `j${u32(index)}`;

/**
 * `count` dicts of the keys `names` in a list: the first dict's keys are strs
 * memoized, the others' GETs of them. `value(i, k, w)` gives dict i's value of
 * key k (or writes it to `w` itself).
 */
function dicts(w, count, names, value = (i, k) => int(i * 100 + k)) {
  const keys = [];
  w.add('(');
  for (let i = 0; i < count; i++) {
    w.put('}');
    w.add('(');
    names.forEach((name, k) => {
      if (i === 0) keys.push(w.put(str(name)));
      else w.add(get(keys[k]));
      w.add(value(i, k, w) ?? '');
    });
    w.add('u');
  }
  w.add('l');
  return keys;
}
const expected = (count, names, value = (i, k) => i * 100 + k) =>
  Array.from({ length: count }, (_, i) => Object.fromEntries(names.map((name, k) => [name, value(i, k)])));
const NAMES = ['id', 'name', 'email', 'score', 'active'];


/** Python's loads of `data`, as JSON (dicts as objects), or undefined without python3. */
function pythonLoads(data) {
  if (needsPython) return undefined;
  const out = runPythonCode('import sys, pickle, json; print(json.dumps(pickle.loads(sys.stdin.buffer.read())))', { input: data });
  return JSON.parse(out.toString());
}

test('lists of dicts whose keys are GETs load with their keys, values and order, across tapes and windows', () => {
  for (const count of [3, 50, 3000]) { // 3000 dicts: ~30k records, more than one tape
    const w = new Writer();
    dicts(w, count, NAMES);
    const [value, folded] = counted(() => loads(w.bytes()));
    // all dicts but the first two (keys as strs, then the order's first GETs) and any a tape chunk's end cuts
    assert.ok(folded <= count - 2 && folded >= count - 2 - Math.floor((count * 11) / 16384), `${folded} of ${count} folded`);
    assert.deepStrictEqual(value, expected(count, NAMES));
    assert.deepEqual(Object.keys(value[count - 1]), NAMES);
  }
  // values that are containers, with memo stores and GETs of their own; a value made by APPEND and TUPLE2
  const w = new Writer();
  const tag = w.put(str('tag'));
  w.add('0'); // POP: the tag stays in the memo only
  const list = (i, w) => void w.put(']') ?? `(${get(tag)}${str(`t${i}`)}e`;
  dicts(w, 20, NAMES, (i, k, w) => (k === 0 ? list(i, w) : k === 1 ? `]${get(tag)}a` : k === 2 ? `${int(i)}${get(tag)}\x86` : int(k)));
  const loaded = loads(w.bytes());
  assert.deepStrictEqual(loaded[19], { id: ['tag', 't19'], name: ['tag'], email: Tuple.of(19, 'tag'), score: 3, active: 4 });
  // values made by code: datetimes (STACK_GLOBAL or GLOBAL, REDUCE), objects (NEWOBJ, BUILD) and a set
  // (EMPTY_SET, ADDITEMS) in the bodies; each loads folded (padded) as unfolded (small)
  if (!needsPython) {
    const made = runPythonCode(`
import base64, datetime, json, pickle
class Point:
    def __init__(self, x): self.x = x
rows = [{'id': i, 'when': datetime.datetime(2026, 1, 1, 12, i % 60), 'day': datetime.date(2026, 1, 1 + i % 28), 'p': Point(i), 'tags': {'a', 'b'} if i % 2 else set()} for i in range(60)]
print(json.dumps([base64.b64encode(pickle.dumps(rows, p)).decode() for p in range(0, 6)]))`, { modules: {} });
    JSON.parse(made.toString()).forEach((text, protocol) => {
      const data = Buffer.from(text, 'base64');
      const options = { unknownGlobals: 'stub' };
      const [folded, count] = counted(() => loads(padded(data), options));
      const [unfolded, none] = counted(() => loads(data, options));
      // (protocol 0 fills a dict by SETITEM, an item at a time: nothing to fold)
      assert.deepStrictEqual([count, none], [protocol === 0 ? 0 : 58, 0]);
      assert.deepStrictEqual(folded, unfolded);
      assert.equal(folded[59].when.minute, 59);
    });
  }
  // Python's own dumps of records, at each protocol: its keys are GETs from the second record on
  if (!needsPython) {
    const out = runPythonCode(`
import base64, json, pickle
rows = [{'id': i, 'name': 'n%d' % i, 'tags': ['a'] * (i % 3), 'score': i / 4, 'd': {'x': i, 'y': 2, 'z': 3, 'w': [i]}} for i in range(100)]
print(json.dumps({'rows': rows, 'pickles': [base64.b64encode(pickle.dumps(rows, p)).decode() for p in range(1, 6)]}))`);
    const { rows, pickles } = JSON.parse(out.toString());
    for (const data of pickles) assert.deepStrictEqual(loads(padded(Buffer.from(data, 'base64'))), rows);
  }
});

test('a memo index bound again: the dicts after it take its new value', { skip: needsPython }, () => {
  // PUT at an index not the next: the key "id" becomes "ID"
  const w = new Writer();
  const keys = dicts(w, 3, NAMES);
  w.add(`${str('ID')}r${u32(keys[0])}0`); // (str, LONG_BINPUT of the first key's index, POP)
  w.add(`(}(${NAMES.map((_, k) => get(keys[k]) + int(k)).join('')}u}(${NAMES.map((_, k) => get(keys[k]) + int(k)).join('')}ul`);
  w.add('\x86'); // (the two lists in a tuple)
  const data = w.bytes();
  const [before, after] = loads(data);
  assert.deepStrictEqual(before, expected(3, NAMES));
  assert.deepStrictEqual(after, Array(2).fill({ ID: 0, name: 1, email: 2, score: 3, active: 4 }));
  assert.deepStrictEqual([before, after], pythonLoads(data));
  // protocol 4: MEMOIZE for the keys, then BINPUT 0 and BINPUT 1, each at the index after the last BINPUT, as
  // protocols 1-3 number them; but MEMOIZE bound those indices before: the first key is now "ID"
  const memoized = padded(Buffer.from(
    `\x80\x04(}\x94(${NAMES.map((n, k) => `\x8c${String.fromCharCode(n.length)}${n}\x94K${String.fromCharCode(k)}`).join('')}u` +
      `}\x94(${NAMES.map((_, k) => `h${String.fromCharCode(k + 1)}K${String.fromCharCode(k)}`).join('')}u` +
      `\x8c\x01Xq\x000\x8c\x02IDq\x010` +
      `}\x94(${NAMES.map((_, k) => `h${String.fromCharCode(k + 1)}K${String.fromCharCode(k)}`).join('')}ul.`,
    'latin1',
  ));
  const rows = loads(memoized);
  assert.deepEqual(Object.keys(rows[2]), ['ID', 'name', 'email', 'score', 'active']);
  assert.deepStrictEqual(rows, pythonLoads(memoized));
});

test('a folded dict holding itself, memoized twice, or fetched in its own body keeps its identity', () => {
  const w = new Writer();
  const names = ['a', 'b', 'c', 'self'];
  const keys = [];
  w.add('(');
  for (let i = 0; i < 4; i++) {
    const own = w.put('}');
    w.put(''); // a second memo slot of the dict
    w.add('(');
    names.forEach((name, k) => {
      if (i === 0) keys.push(w.put(str(name)));
      else w.add(get(keys[k]));
      w.add(k === 3 ? get(own) : int(k));
    });
    w.add(`u${get(own + 1)}`);
  }
  w.add('l');
  const value = loads(w.bytes());
  for (let i = 0; i < 8; i += 2) {
    assert.equal(value[i].self, value[i]);
    assert.equal(value[i + 1], value[i]);
    assert.deepEqual(Object.keys(value[i]), names);
  }
});

test("keys that are not plain str properties: ints, '__proto__', array indices; dicts: 'map'", () => {
  // int keys, memoized and fetched: Maps
  const w = new Writer();
  const keys = [];
  w.add('(');
  for (let i = 0; i < 3; i++) {
    w.put('}');
    w.add('(');
    for (let k = 0; k < 4; k++) {
      if (i === 0) keys.push(w.put(int(k * 7)));
      else w.add(get(keys[k]));
      w.add(int(i));
    }
    w.add('u');
  }
  w.add('l');
  for (const map of loads(w.bytes())) assert.ok(map instanceof Map);
  assert.deepStrictEqual(loads(w.bytes())[2], new Map([[0, 2], [7, 2], [14, 2], [21, 2]]));
  // a key GET that TUPLE1 wraps, or that APPENDS fills (a list as key, which Python would refuse): not folded away
  const t = new Writer();
  const [a, b, c, d, list] = [t.put(str('a')), t.put(str('b')), t.put(str('c')), t.put(str('d')), t.put(']')];
  t.add('0000');
  const rest = `${get(b)}K\x02${get(c)}K\x03${get(d)}K\x04u`;
  t.add(`(${`}(${get(a)}\x85K\x01${rest}`.repeat(3)}${`}(${get(list)}(${str('x')}eK\x01${rest}`.repeat(3)}l`);
  const loaded = loads(t.bytes());
  for (const tupled of loaded.slice(0, 3)) assert.deepStrictEqual([...tupled.keys()], [Tuple.of('a'), 'b', 'c', 'd']);
  const key = [...loaded[3].keys()][0];
  assert.deepStrictEqual(key, ['x', 'x', 'x']);
  for (const filled of loaded.slice(3)) assert.deepStrictEqual([...filled.entries()], [[key, 1], ['b', 2], ['c', 3], ['d', 4]]);
  // odd keys
  const odd = ['__proto__', '7', 'x', 'y'];
  const o = new Writer();
  dicts(o, 4, odd);
  loads(o.bytes()).forEach((d, i) => {
    assert.equal(Object.getPrototypeOf(d), Object.prototype);
    assert.deepEqual([d.__proto__, d['7'], d.x, d.y], [i * 100, i * 100 + 1, i * 100 + 2, i * 100 + 3]);
    assert.ok(Object.hasOwn(d, '__proto__'));
  });
  // dicts: 'map'
  const m = new Writer();
  dicts(m, 5, NAMES);
  const maps = loads(m.bytes(), { dicts: 'map' });
  assert.deepStrictEqual(maps, expected(5, NAMES).map((d) => new Map(Object.entries(d))));
});

test('a folded body counts as its MARK for maxDepth, and its errors are UnpicklingErrors', () => {
  // two dicts in a tuple (no MARK around them), the third in a list: its body is one MARK deeper
  const w = new Writer();
  const keys = [];
  for (let i = 0; i < 2; i++) {
    w.put('}');
    w.add('(');
    NAMES.forEach((name, k) => {
      if (i === 0) keys.push(w.put(str(name)));
      else w.add(get(keys[k]));
      w.add(int(k));
    });
    w.add('u');
  }
  w.add(`\x86(}(${NAMES.map((_, k) => get(keys[k]) + int(k)).join('')}ul\x86`);
  const data = w.bytes();
  assert.equal(loads(data)[1][0].active, 4);
  assert.throws(() => loads(data, { maxDepth: 1 }), /more than maxDepth \(1\) MARKs open/);
  // a value APPENDed to a str inside a folded body (the third dict's)
  const text = data.toString('latin1');
  const at = text.lastIndexOf(`${get(keys[4])}${int(4)}ul`);
  const bad = Buffer.from(`${text.slice(0, at)}${get(keys[4])}${str('s')}${int(4)}a${text.slice(at + 10)}`, 'latin1');
  assert.throws(() => loads(bad), (error) => error instanceof UnpicklingError && /APPEND/.test(error.message));
});

test('key orders that share a table slot, or more of them than a load gives ids, load right', () => {
  // two orders whose first keys' memo indices are 64 apart: one slot, taken in turn
  const w = new Writer();
  const first = [w.put(str('a')), w.put(str('b')), w.put(str('c')), w.put(str('d'))];
  while (w.next < first[0] + 64) w.put('N');
  const second = [w.put(str('p')), w.put(str('q')), w.put(str('r')), w.put(str('s'))];
  w.add('(');
  for (let i = 0; i < 20; i++) {
    const keys = i % 2 === 0 ? first : second;
    w.add(`}(${keys.map((key, k) => get(key) + int(i * 10 + k)).join('')}u`);
  }
  w.add('l');
  const value = loads(w.bytes());
  assert.deepStrictEqual(value[18], { a: 180, b: 181, c: 182, d: 183 });
  assert.deepStrictEqual(value[19], { p: 190, q: 191, r: 192, s: 193 });
  // 1500 orders, each twice
  const many = new Writer();
  const base = [many.put(str('k0')), many.put(str('k1')), many.put(str('k2'))];
  const own = Array.from({ length: 1500 }, (_, i) => many.put(str(`x${i}`)));
  many.add('(');
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 1500; i++) many.add(`}(${[...base, own[i]].map((key, k) => get(key) + int(k)).join('')}u`);
  }
  many.add('l');
  const rows = loads(many.bytes());
  assert.deepStrictEqual(rows[2999], { k0: 0, k1: 1, k2: 2, x1499: 3 });
  assert.deepStrictEqual(rows[1234], { k0: 0, k1: 1, k2: 2, x1234: 3 });
});

test('folded dicts load the same from a stream fed in small pieces after its first 64 KiB, and dump back to the same bytes', async () => {
  const records = Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `n${i}`, tags: i % 2 ? ['x', 'y'] : [], score: i / 8, inner: { a: i, b: 1, c: 2, d: 3 } }));
  for (const protocol of [2, 5]) {
    const data = dumps(records, { protocol });
    assert.ok(data.length > 65536 + 20000);
    assert.deepStrictEqual(loads(data), records);
    assert.deepStrictEqual(Buffer.from(dumps(loads(data), { protocol })), Buffer.from(data));
    const values = [];
    for await (const value of loadStream((function* () {
      yield data.subarray(0, 65536);
      for (let i = 65536; i < data.length; i += 7) yield data.subarray(i, i + 7);
    })())) values.push(value);
    assert.deepStrictEqual(values, [records]);
  }
  // one Unpickler, two loads: the second's key orders are its own
  const unpickler = new Unpickler();
  const w1 = new Writer();
  dicts(w1, 4, NAMES);
  const w2 = new Writer();
  dicts(w2, 4, ['q', 'r', 's', 't', 'u']);
  assert.deepStrictEqual(unpickler.load(w1.bytes()), expected(4, NAMES));
  assert.deepStrictEqual(unpickler.load(w2.bytes()), expected(4, ['q', 'r', 's', 't', 'u']));
});
