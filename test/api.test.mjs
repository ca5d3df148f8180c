// The package surface: ESM and CommonJS entry points, the exported types,
// the load options, and the registry as an allowlist.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  ByteArray, Complex, FrozenSet, PyObject, Registry, Tuple, Unpickler, UnpicklingError, PicklingError,
  dumps, loads, registry, builtins,
} from 'pickle-wasm';

const bytes = (text) => Buffer.from(text, 'latin1');

test('require("pickle-wasm") works from CommonJS, synchronously', () => {
  const out = execFileSync(process.execPath, ['-e', `
    const p = require('pickle-wasm');
    const v = p.loads(Buffer.from('80057d94288c0161945d94752e', 'hex'));
    console.log(JSON.stringify(v), typeof p.Unpickler, p.loads(Buffer.from('8005284b014b0274942e', 'hex')) instanceof p.Tuple);
  `], { encoding: 'utf8' });
  assert.equal(out.trim(), '{"a":[]} function true');
});

test('loaded tuples of every opcode are Tuples: arrays whose map() gives a plain array', () => {
  // EMPTY_TUPLE, TUPLE1-3, TUPLE, and a tuple of a run of numbers
  const values = [[], ['a'], ['a', 2], ['a', 2, null], ['a', 2, null, 4], [1, 2, 3, 4]].map((items) => Tuple.fromArray(items));
  for (const protocol of [0, 2, 5]) {
    for (const value of values) {
      const loaded = loads(dumps(new Tuple(value, value), { protocol }));
      if (value.length > 0) assert.equal(loaded[0], loaded[1]); // (as in Python, the empty tuple is not memoized)
      for (const tuple of [loaded, loaded[0]]) {
        assert.equal(Object.getPrototypeOf(tuple), Tuple.prototype);
        assert.ok(Array.isArray(tuple) && tuple instanceof Tuple);
        assert.equal(Object.getPrototypeOf(tuple.map((x) => x)), Array.prototype);
      }
      assert.deepStrictEqual(loaded[0], value);
    }
  }
});

test('exported types behave as documented', () => {
  const t = new Tuple(1, 2);
  assert.ok(Array.isArray(t) && t instanceof Tuple && t.length === 2);
  assert.ok(!(t.map((x) => x) instanceof Tuple), 'map gives a plain array');
  assert.deepEqual([Tuple.of(3).length, new Tuple(3).length], [1, 3], 'like Array: Tuple.of(3) is (3,), new Tuple(3) has length 3');
  assert.ok(new ByteArray(2) instanceof Uint8Array);
  assert.ok(new FrozenSet([1]) instanceof Set);
  assert.deepEqual({ ...new Complex(1, 2) }, { real: 1, imag: 2 });
  assert.ok(new UnpicklingError('x') instanceof Error && new PicklingError('x') instanceof Error);
});

test('loads accepts Uint8Array, Buffer, ArrayBuffer and other views', () => {
  const data = new Uint8Array([0x80, 0x05, 0x4b, 0x07, 0x2e]);
  assert.equal(loads(data), 7);
  assert.equal(loads(data.buffer), 7);
  assert.equal(loads(new DataView(data.buffer)), 7);
  assert.equal(loads(Buffer.from(data)), 7);
  assert.throws(() => loads('K\x07.'), TypeError);
});

test('bytes load as zero-copy views by default, copies with copy: true', () => {
  const data = bytes('C\x03abc.');
  const view = loads(data);
  assert.equal(view.constructor, Uint8Array);
  assert.equal(view.buffer, data.buffer);
  const copy = loads(data, { copy: true });
  assert.notEqual(copy.buffer, data.buffer);
  assert.deepEqual(copy, view);
});

test("dicts: 'map' always gives Maps; 'auto' gives objects for str keys", () => {
  const pickle = bytes('}(\x8c\x01a\x94K\x01u.');
  assert.deepEqual(loads(pickle), { a: 1 });
  assert.deepEqual(loads(pickle, { dicts: 'map' }), new Map([['a', 1]]));
  assert.deepEqual(loads(bytes('}(K\x01K\x02u.')), new Map([[1, 2]]));
});

test('a dict key "__proto__" becomes an own property, never a prototype change', () => {
  const value = loads(bytes('}(\x8c\x09__proto__}(\x8c\x08polluted\x88uu.'));
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.ok(Object.hasOwn(value, '__proto__'));
  assert.equal(value.polluted, undefined);
  assert.equal({}.polluted, undefined);
  const viaDict = loads(bytes('(\x8c\x09__proto__}(\x8c\x08polluted\x88ud.'));
  assert.equal(Object.getPrototypeOf(viaDict), Object.prototype);
  assert.equal({}.polluted, undefined);
});

test('a dict that contains itself before a non-str key still loads as one Map', () => {
  // d = {'self': d, 1: 2}: the plain object is referenced inside itself before the int key arrives.
  const value = loads(bytes('\x80\x04}\x94(\x8c\x04self\x94h\x00K\x01K\x02u.'));
  assert.ok(value instanceof Map);
  assert.equal(value.get('self'), value);
  assert.equal(value.get(1), 2);
});

test("unknownGlobals: 'stub' gives PyObject stubs; the default error says how to register", () => {
  const pickle = bytes('\x80\x04\x8c\x03acc\x8c\x05Point\x93)\x81}\x8c\x01x\x4b\x01sb.');
  assert.throws(() => loads(pickle), { message: /acc\.Point is not registered: register it with registry\.register\('acc', 'Point', value\)/ });
  const stub = loads(pickle, { unknownGlobals: 'stub' });
  assert.ok(stub instanceof PyObject);
  assert.deepEqual([stub.module, stub.qualname, stub.kind, stub.state], ['acc', 'Point', 'newobj', { x: 1 }]);
});

test('registered classes load without running their constructor; state lands as own properties', () => {
  let constructed = 0;
  class Point {
    constructor() {
      constructed++;
    }
  }
  const reg = new Registry().register('acc', 'Point', Point);
  const pickle = bytes('\x80\x04\x8c\x03acc\x8c\x05Point\x93)\x81}\x8c\x01x\x4b\x01sb.');
  const p = loads(pickle, { registry: reg });
  assert.ok(p instanceof Point);
  assert.equal(p.x, 1);
  assert.equal(constructed, 0);
});

test('errors thrown by registered callables become UnpicklingErrors with the cause', () => {
  const failing = () => {
    throw new TypeError('boom');
  };
  const reg = new Registry().register('m', 'f', failing);
  const error = (() => {
    try {
      loads(bytes('cm\nf\n)R.'), { registry: reg });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof UnpicklingError);
  assert.equal(error.opcode, 'REDUCE');
  assert.ok(error.cause instanceof TypeError);
  assert.match(error.message, /TypeError: boom/);
});

test('the registry is an allowlist: lookups never see inherited JS properties', () => {
  for (const [module, name] of [['__proto__', 'constructor'], ['builtins', 'constructor'], ['builtins', 'toString'],
    ['builtins', 'hasOwnProperty'], ['builtins', '__proto__'], ['builtins', 'eval'], ['os', 'system'], ['globalThis', 'process']]) {
    assert.equal(registry.lookup(module, name), undefined, `${module}.${name}`);
    assert.throws(() => loads(bytes(`c${module}\n${name}\n.`)), UnpicklingError);
  }
  assert.equal(registry.lookup('builtins', 'set'), builtins.set);
  assert.deepEqual(registry.nameOf(builtins.set), { module: 'builtins', qualname: 'set' });
});

test('Registry: parents, aliases, conflicts', () => {
  const fn = () => 1;
  const child = new Registry().register('m', 'f', fn).register('m', 'alias', fn);
  assert.equal(child.lookup('m', 'alias'), fn);
  assert.deepEqual(child.nameOf(fn), { module: 'm', qualname: 'f' });
  assert.equal(child.lookup('builtins', 'set'), builtins.set, 'the default parent resolves built-ins');
  assert.equal(new Registry(null).lookup('builtins', 'set'), undefined);
  assert.throws(() => child.register('m', 'f', () => 2), /already registered/);
  assert.equal(registry.lookup('m', 'f'), undefined, 'a child never changes its parent');
});

test('findClass can be overridden to restrict or extend resolution', () => {
  class OnlySets extends Unpickler {
    findClass(module, name) {
      if (module === 'builtins' && name === 'set') return super.findClass(module, name);
      throw new UnpicklingError(`forbidden: ${module}.${name}`);
    }
  }
  assert.deepEqual(new OnlySets().load(bytes('c__builtin__\nset\n((lK\x01atR.')), new Set([1]));
  assert.throws(() => new OnlySets().load(bytes('c__builtin__\nfrozenset\n((ltR.')), /forbidden: builtins\.frozenset/);
});

test('fixImports: false keeps Python 2 module names', () => {
  // the same GLOBAL, named again after each load (a load caches what it decoded of a name)
  for (let round = 0; round < 2; round++) {
    assert.throws(() => loads(bytes('c__builtin__\nset\n((ltR.'), { fixImports: false }), /__builtin__\.set is not registered/);
    assert.deepEqual(loads(bytes('c__builtin__\nset\n((ltR.')), new Set());
    assert.deepEqual(loads(bytes('\x80\x03c__builtin__\nset\n]\x85R.'), { unknownGlobals: 'stub' }).constructor.name, 'PyObject');
  }
});

test('nested loads from inside a callback work (sessions are not shared)', () => {
  const inner = bytes('\x80\x05\x8c\x05inner\x94.');
  const big = Buffer.concat([bytes('\x80\x05('), ...Array.from({ length: 5000 }, () => bytes('P0\n')), bytes('l.')]);
  let calls = 0;
  const value = loads(big, { persistentLoad: () => (calls++, loads(inner)) });
  assert.equal(value.length, 5000);
  assert.ok(value.every((v) => v === 'inner'));
  assert.equal(calls, 5000);
});

test('large inputs stream through the window: a 5 MB str, a 1 MB text line, 200k records', () => {
  const text = 'é'.repeat(2_500_000);
  const pickle = Buffer.concat([bytes('\x80\x04\x8d'), Buffer.from(new BigUint64Array([BigInt(Buffer.byteLength(text))]).buffer), Buffer.from(text), bytes('.')]);
  assert.equal(loads(pickle), text);
  const digits = '7'.repeat(4000);
  assert.equal(loads(bytes(`L${digits}\n.`)), BigInt(digits));
  const long = 'x'.repeat(1_000_000);
  assert.equal(loads(bytes(`V${long}\n.`)), long);
  const many = Buffer.concat([bytes('\x80\x04]('), ...Array.from({ length: 200_000 }, (_, i) => bytes(`K${String.fromCharCode(i & 0xff)}`)), bytes('e.')]);
  const list = loads(many);
  assert.equal(list.length, 200_000);
  assert.equal(list[199_999], 199_999 & 0xff);
});

test('tuples of numbers (a scan-flagged run ending in TUPLE) load exactly and keep their memo entry', () => {
  const t = Tuple.of(1, 2.5, 2n ** 60n, -3, 0, -0);
  for (const protocol of [1, 2, 3, 4, 5]) {
    const [a, b, c] = loads(dumps([t, t, Tuple.of(7, 8, 9, 10)], { protocol }));
    assert.ok(a instanceof Tuple);
    assert.deepStrictEqual([...a], [...t]);
    assert.equal(a, b, `protocol ${protocol}: the second reference is the same tuple`);
    assert.deepStrictEqual([...c], [7, 8, 9, 10]);
  }
  // as CPython writes them
  const python = bytes('\x80\x04\x95\x17\x00\x00\x00\x00\x00\x00\x00(K\x01G@\x04\x00\x00\x00\x00\x00\x00K\x03K\x04t\x94h\x00\x86\x94.');
  const [x, y] = loads(python);
  assert.deepStrictEqual([...x], [1, 2.5, 3, 4]);
  assert.equal(x, y);
});

test('memo stores folded into the record of their value: twice in a row, out of order, past 255, wrapping', () => {
  // (the scan folds a MEMOIZE, or a PUT at the index after the last PUT's, into the record before it)
  const pad = 'N0N0N0'; // the fold happens where 10 bytes follow in the window
  for (const data of [`\x80\x04]\x94\x94(h\x00h\x01t${pad}.`, `\x80\x02]q\x00q\x01(h\x00h\x01t${pad}.`, `\x80\x02]q\x05q\x07(h\x05h\x07t${pad}.`]) {
    const [a, b] = loads(bytes(data));
    assert.deepEqual(a, []);
    assert.equal(a, b, JSON.stringify(data));
  }
  // a PUT out of order resets the next index: BINPUT 5, then BINPUT 0 is not the next one
  const [five, zero] = loads(bytes(`\x80\x02]q\x05]q\x00(h\x05h\x00t${pad}.`));
  assert.ok(Array.isArray(five) && Array.isArray(zero) && five !== zero);
  // LONG_BINPUT 2^32-1, then BINPUT 0: the next index wraps, as the scan's u32 does
  const [first, second] = loads(bytes(`\x80\x02]r\xff\xff\xff\xff]q\x00(j\xff\xff\xff\xffh\x00t${pad}.`));
  assert.ok(Array.isArray(first) && Array.isArray(second) && first !== second);
  // 300 shared strs: BINPUT, then LONG_BINPUT past 255, each fetched again
  const strs = Array.from({ length: 300 }, (_, i) => `s${i}`);
  for (const protocol of [0, 2, 3]) assert.deepEqual(loads(dumps([...strs, ...strs], { protocol })), [...strs, ...strs]);
});

test('runs of numbers (the scan-flagged shortcut) load exactly, mixed with bigints and followed by other items', () => {
  const mixed = [2n ** 60n, 1, 2.5, -(2n ** 62n), 0, -0, NaN];
  const numbersThenStrings = [...Array.from({ length: 1500 }, (_, i) => i * 0.5), ...Array.from({ length: 1500 }, (_, i) => `s${i}`)];
  for (let protocol = 1; protocol <= 5; protocol++) {
    assert.deepStrictEqual(loads(dumps(mixed, { protocol })), mixed);
    assert.deepStrictEqual(loads(dumps(numbersThenStrings, { protocol })), numbersThenStrings);
    const shared = [1.5, 2.5];
    const [a, b] = loads(dumps([shared, shared], { protocol }));
    assert.equal(a, b);
  }
  // runs of numbers into dicts: a fresh dict, a Map's second batch, a memoized dict met again, bigints, a dict with str keys
  const ints = new Map(Array.from({ length: 1500 }, (_, i) => [i, i * 2 - 1000]));
  const big = new Map([[1, 2n ** 62n], [-(2n ** 63n), 0.5]]);
  const strKeys = { a: 1 };
  for (let protocol = 1; protocol <= 5; protocol++) {
    assert.deepStrictEqual(loads(dumps(ints, { protocol })), ints);
    assert.deepStrictEqual(loads(dumps(big, { protocol })), big);
    const [d, again] = loads(dumps([big, big], { protocol }));
    assert.equal(d, again);
    assert.deepStrictEqual(loads(bytes(`\x80\x02}q\x00(X\x01\x00\x00\x00aK\x01u(K\x02K\x03u.`)), new Map([['a', 1], [2, 3]]));
    assert.deepStrictEqual(loads(dumps(strKeys, { protocol })), strKeys);
  }
  assert.throws(() => loads(bytes('\x80\x02}(K\x01K\x02K\x03u.')), /odd number of items/);
  // numbers memoized inside a run: not a run to skip (the scan folds a MEMOIZE only into what no run skips)
  const [first, second] = loads(bytes('\x80\x04]\x94(K\x01\x94K\x02\x94eh\x01h\x02\x87\x94h\x03\x86.'));
  assert.deepEqual([...first], [[1, 2], 1, 2]);
  assert.equal(first, second);
});

test('lists and int-keyed dicts made whole with the run of numbers after them load exactly: shared, across tape chunks, after a PUT, at maxDepth', () => {
  // 9000 lists of 2-6 numbers and 9000 dicts of 1-3 items: 5-9 records each, so that the 16384-record tape chunks end at every point of one
  const lists = Array.from({ length: 9000 }, (_, i) => Array.from({ length: 2 + (i % 5) }, (_, j) => (j % 2 ? i + j + 0.5 : i * j)));
  const maps = Array.from({ length: 9000 }, (_, i) => new Map(Array.from({ length: 1 + (i % 3) }, (_, j) => [j % 2 ? -j - 0.5 : i + j, i * j])));
  const list = [1, 2.5, 3];
  const map = new Map([[1, 2], [3.5, -0]]);
  for (let protocol = 1; protocol <= 5; protocol++) {
    assert.deepStrictEqual(loads(dumps(lists, { protocol })), lists);
    assert.deepStrictEqual(loads(dumps(maps, { protocol })), maps);
    for (const dicts of ['auto', 'map']) assert.deepStrictEqual(loads(dumps(maps.slice(0, 30), { protocol }), { dicts }), maps.slice(0, 30));
    const [a, b, c, d, e, f] = loads(dumps([list, list, [2n ** 60n, 1], map, map, new Map([[2n ** 60n, 1]])], { protocol }));
    assert.equal(a, b);
    assert.equal(d, e);
    assert.deepStrictEqual([a, c, d, f], [list, [2n ** 60n, 1], map, new Map([[2n ** 60n, 1]])]);
  }
  // a BINPUT that is not the next index stays a record of its own between the list or dict and its run
  for (const [data, expected] of [['](K\x01K\x02e', [1, 2]], ['}(K\x01K\x02u', new Map([[1, 2]])]]) {
    const [first, again] = loads(bytes(`\x80\x02${data.slice(0, 1)}q\x05${data.slice(1)}h\x05\x86.`));
    assert.deepStrictEqual(first, expected);
    assert.equal(first, again);
    // the run's MARK counts against maxDepth as any other
    assert.deepStrictEqual(loads(bytes(`\x80\x02${data}.`), { maxDepth: 1 }), expected);
    assert.throws(() => loads(bytes(`\x80\x02${data}.`), { maxDepth: 0 }), /maxDepth/);
  }
  // an odd run into a dict still fails; a run closed by the other kind's opcode is an error as it was
  assert.throws(() => loads(bytes('\x80\x02}(K\x01K\x02K\x03u.')), /odd number of items/);
  assert.throws(() => loads(bytes('\x80\x02](K\x01K\x02u.')), UnpicklingError);
  assert.throws(() => loads(bytes('\x80\x02}(K\x01K\x02e.')), UnpicklingError);
});

test('a numeric list filled with room to spare has exactly its items wherever it can be seen', () => {
  // Runs of numbers into an empty list are stored into a list whose length
  // runs ahead; after three runs of 1000 its length would be 4000. A REDUCE,
  // a failed load and the end of the pickle must each see 3000.
  const run = (value) => `(${`K${String.fromCharCode(value)}`.repeat(1000)}e`;
  const runs = run(1) + run(2) + run(3);
  const lengths = [];
  const kept = [];
  const registry = new Registry()
    .register('m', 'seen', (list) => lengths.push(list.length))
    .register('m', 'keep', (list) => kept.push(list));
  // a hook sees the list mid-load, then more runs go in
  const seen = loads(bytes(`\x80\x02]q\x00${runs}0cm\nseen\nh\x00\x85R0h\x00${run(4)}.`), { registry });
  assert.deepEqual(lengths, [3000]);
  assert.equal(seen.length, 4000);
  assert.deepEqual([seen[0], seen[2999], seen[3000], seen[3999]], [1, 3, 4, 4]);
  // a hook keeps the empty list, its runs go in, then the load fails
  assert.throws(() => loads(bytes(`\x80\x02]q\x00cm\nkeep\nh\x00\x85R0h\x00${runs}\xff`), { registry }), UnpicklingError);
  assert.equal(kept[0].length, 3000);
  assert.ok(!kept[0].includes(undefined));
  // at the end, and as the item of another list
  assert.equal(loads(bytes(`\x80\x02]q\x00${runs}.`)).length, 3000);
  assert.deepEqual(loads(bytes(`\x80\x02](]q\x00${runs}K\x07e.`)).map((x) => x.length ?? x), [3000, 7]);
  // batches of strs are kept apart until the list is seen: by a hook, a failed load, a run of numbers after them
  const strs = (value) => `(${`X\x01\x00\x00\x00${value}`.repeat(1000)}e`;
  const strRuns = strs('a') + strs('b') + strs('c');
  lengths.length = 0;
  const seenStrs = loads(bytes(`\x80\x02]q\x00${strRuns}0cm\nseen\nh\x00\x85R0h\x00${strs('d')}.`), { registry });
  assert.deepEqual(lengths, [3000]);
  assert.deepEqual([seenStrs.length, seenStrs[0], seenStrs[2999], seenStrs[3000], seenStrs[3999]], [4000, 'a', 'c', 'd', 'd']);
  assert.throws(() => loads(bytes(`\x80\x02]q\x00cm\nkeep\nh\x00\x85R0h\x00${strRuns}\xff`), { registry }), UnpicklingError);
  assert.deepEqual([kept[1].length, kept[1][0], kept[1][2999]], [3000, 'a', 'c']);
  const mixedRuns = loads(bytes(`\x80\x02]q\x00${strs('a')}${run(5)}${strs('b')}.`));
  assert.deepEqual([mixedRuns.length, mixedRuns[999], mixedRuns[1000], mixedRuns[1999], mixedRuns[2000], mixedRuns[2999]], [3000, 'a', 5, 5, 'b', 'b']);
  const numbersFirst = loads(bytes(`\x80\x02]q\x00${run(5)}${strs('a')}${run(6)}.`));
  assert.deepEqual([numbersFirst.length, numbersFirst[999], numbersFirst[1000], numbersFirst[2000]], [3000, 5, 'a', 6]);
  // batches of strs and of ints with bigints fill a list the same way; an APPEND, a GET and the end see 3000
  const bigint = '\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40'; // LONG1 2**62: an INT64 record
  for (const [item, values] of [['X\x01\x00\x00\x00a', ['a']], [`K\x01${bigint}`, [1, 2n ** 62n]]]) {
    const batches = `(${item.repeat(500)}e`.repeat(3);
    const expected = Array.from({ length: 1500 }, () => values).flat();
    const appended = loads(bytes(`\x80\x02]q\x00${batches}K\x09a.`));
    assert.deepStrictEqual(appended, [...expected, 9]);
    const [list, again] = loads(bytes(`\x80\x02]q\x00${batches}h\x00\x86.`));
    assert.equal(list, again);
    assert.deepStrictEqual(list, expected);
  }
});

test('a list of numbers sized ahead from the rest of its pickle has exactly its items, whatever follows it', async () => {
  // At its second batch, a list of numbers is sized for the rest of the
  // pickle at that batch's bytes per item: too many where other data
  // follows (trimmed), too few where denser items follow (grown), bounded by
  // the pickle's frames where more pickles follow it in one buffer.
  const { loadAll } = await import('pickle-wasm');
  const floats = Array.from({ length: 2500 }, (_, i) => i + 0.5);
  const tail = 'x'.repeat(200_000);
  for (const protocol of [2, 5]) {
    const [list, text] = loads(dumps([floats, tail], { protocol }));
    assert.deepStrictEqual(list, floats);
    assert.equal(text, tail);
    // floats (9 bytes each) in the first batches, then small ints (2): more items than foretold
    const ints = Array.from({ length: 20_000 }, (_, i) => i % 200);
    assert.deepStrictEqual(loads(dumps([...floats, ...ints], { protocol })), [...floats, ...ints]);
  }
  // ints beyond 2^53 among them (a list that cannot stay unboxed)
  const mixed = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? 2n ** 60n + BigInt(i) : i * 1e6));
  assert.deepStrictEqual(loads(dumps(mixed)), mixed);
  // many framed pickles in one buffer, each with a list of numbers: each list has its own items
  const pickles = [1, 2, 3].map((n) => dumps(Array.from({ length: 3000 * n }, (_, i) => i * n + 0.25)));
  const all = [...loadAll(Buffer.concat(pickles))];
  assert.deepStrictEqual(all.map((l) => l.length), [3000, 6000, 9000]);
  assert.deepStrictEqual(all, pickles.map((p) => loads(p)));
  assert.ok(all.every((l) => !l.includes(undefined)));
  // a frame header that claims more than the input holds only bounds the guess
  const framed = Buffer.from(dumps(floats, { protocol: 5 }));
  framed.writeBigUInt64LE(2n ** 64n - 1n, 3);
  assert.throws(() => loads(framed), UnpicklingError);
});

test('init() resolves at once where importing already compiled the wasm (Node)', async () => {
  const { init } = await import('pickle-wasm');
  await init();
  await init();
  assert.equal(loads(dumps([1])).length, 1);
});

test('where synchronous compilation is refused, loads says to await init(), and init() makes it work', () => {
  // A child process whose WebAssembly.Module refuses synchronous compiles, as a browser's main thread does.
  const script = `
    const Original = WebAssembly.Module;
    WebAssembly.Module = function () { throw new RangeError('sync compile refused'); };
    WebAssembly.Module.prototype = Original.prototype;
    const p = await import('pickle-wasm');
    let message = '';
    try { p.loads(new Uint8Array([0x4e, 0x2e])); } catch (e) { message = e.message; }
    WebAssembly.Module = Original;
    await p.init();
    console.log(JSON.stringify([message, p.loads(p.dumps({ a: 1 }))]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const [message, value] = JSON.parse(out);
  assert.match(message, /await init\(\)/);
  assert.deepEqual(value, { a: 1 });
});

test('an engine without WebAssembly SIMD is told so, by loads and by init()', async () => {
  const { missingFeature } = await import('../dist/esm/wasm.js');
  assert.equal(missingFeature(), null, 'the SIMD probe is a valid module here (Node 20 has SIMD)');
  // A child process whose WebAssembly knows no SIMD: the probe is invalid, the core does not compile.
  const script = `
    const refuse = () => { throw new WebAssembly.CompileError('invalid opcode 0xfd'); };
    WebAssembly.validate = () => false;
    WebAssembly.Module = refuse;
    WebAssembly.instantiate = async () => refuse();
    const p = await import('pickle-wasm');
    let message = '';
    try { p.loads(new Uint8Array([0x4e, 0x2e])); } catch (e) { message = e.message; }
    let initMessage = '';
    await p.init().catch((e) => { initMessage = e.message; });
    console.log(JSON.stringify([message, initMessage]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const [message, initMessage] = JSON.parse(out);
  assert.match(message, /no WebAssembly SIMD.*Safari 16\.4/);
  assert.equal(initMessage, message);
});

test('small dumps share a slab; transferring one detaches it without breaking later dumps', () => {
  const first = dumps([1, 2, 3]);
  const second = dumps('abc');
  assert.equal(first.buffer, second.buffer, 'small outputs come from one slab');
  assert.deepEqual(loads(second), 'abc');
  structuredClone(first.buffer, { transfer: [first.buffer] });
  assert.equal(second.byteLength, 0, 'the transfer detached the slab');
  for (let i = 0; i < 20; i++) assert.deepEqual(loads(dumps({ i, text: 'x'.repeat(500) })), { i, text: 'x'.repeat(500) });
  // up to 8 KiB from the 64 KiB slab (outputs of many slabs stay intact); larger ones get a buffer of their own
  const kept = Array.from({ length: 40 }, (_, i) => [i, dumps(`${i}`.repeat(2000))]);
  assert.ok(kept[0][1].length > 2000 && kept[0][1].buffer === kept[1][1].buffer && kept[0][1].buffer.byteLength === 65536);
  assert.notEqual(kept[0][1].buffer, kept[39][1].buffer, 'a full slab is followed by another');
  for (const [i, bytes] of kept) assert.equal(loads(bytes), `${i}`.repeat(2000));
  const large = dumps('y'.repeat(9000));
  assert.equal(large.buffer.byteLength, large.length);
});
