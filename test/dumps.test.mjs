// dumps of values made in JS: what Python loads (the mapping table), what
// loads gives back, out-of-band buffers, shared references and cycles, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ByteArray, Complex, FrozenSet, Pickler, PickleBuffer, PicklingError, PyObject, Registry, Tuple,
  builtins, dumps, loads,
} from 'pickle-wasm';
import { needsPython, pythonCompare, pythonDumps, runPythonCode } from './helpers/python.mjs';

const ALL = [0, 1, 2, 3, 4, 5];
const cyclic = [];
cyclic.push(cyclic);
const parent = { name: 'root', children: [] };
parent.children.push({ name: 'child', parent });
const shared = [1, 2];

// [JS value, the Python value it must load as, whether loads(dumps(v)) deep-equals v, protocols (default all)]
const TABLE = [
  [null, 'None', true],
  [undefined, 'None', false],
  [true, 'True', true],
  [false, 'False', true],
  [0, '0', true],
  [-1, '-1', true],
  [255, '255', true],
  [65536, '65536', true],
  [2 ** 31, '2**31', true],
  [-(2 ** 31) - 1, '-2**31-1', true],
  [Number.MAX_SAFE_INTEGER, '2**53-1', true],
  [-Number.MAX_SAFE_INTEGER, '-(2**53-1)', true],
  [2 ** 53, 'float(2**53)', true],
  [1e300, '1e300', true],
  [0.1, '0.1', true],
  [-0, '-0.0', true],
  [NaN, "float('nan')", true],
  [Infinity, "float('inf')", true],
  [-Infinity, "float('-inf')", true],
  [2n ** 64n, '2**64', true],
  [-(2n ** 63n), '-2**63', true],
  [2n ** 63n - 1n, '2**63-1', true],
  [-(2n ** 200n) + 7n, '-2**200+7', true],
  [2n ** 70000n, '2**70000', true, [2, 3, 4, 5]], // as text (protocols 0-1) it would exceed Python's 4300 digits
  ['', "''", true],
  ['héllo wörld', "'héllo wörld'", true],
  ['😀 astral', "'\\U0001f600 astral'", true],
  ['lone \ud800 high', "'lone \\ud800 high'", true],
  ['lone \udc00 low', "'lone \\udc00 low'", true],
  ['back\\slash\nnew\rline\0nul\x1a', "'back\\\\slash\\nnew\\rline\\x00nul\\x1a'", true],
  ['x'.repeat(100_000), "'x' * 100000", true],
  ['é'.repeat(50_000), "'é' * 50000", true],
  [new Uint8Array([0, 1, 255]), "b'\\x00\\x01\\xff'", true],
  [new Uint8Array(0), "b''", true],
  [new Uint8Array(100_000).fill(7), "b'\\x07' * 100000", true],
  [Buffer.from('buf'), "b'buf'", false],
  [new Uint8Array([9, 8]).buffer, "b'\\x09\\x08'", false],
  [new ByteArray([1, 2]), "bytearray(b'\\x01\\x02')", true],
  [new ByteArray(0), 'bytearray()', true],
  [[1, [2, [3, []]]], '[1, [2, [3, []]]]', true],
  // a run of numbers with ints that protocol 1 writes as text (the encoder's general loop, inside the run)
  [[1, 2 ** 40, -(2 ** 35), 0.5, 3, 2 ** 52 + 1], '[1, 2**40, -2**35, 0.5, 3, 2**52+1]', true],
  [new Tuple(), '()', true],
  [Tuple.of(1), '(1,)', true],
  [new Tuple(1, 2, 3, 4), '(1, 2, 3, 4)', true],
  [{ a: 1, 'b c': [true], nested: { deep: { deeper: null } } }, "{'a': 1, 'b c': [True], 'nested': {'deep': {'deeper': None}}}", true],
  [Object.assign(Object.create(null), { k: 1 }), "{'k': 1}", false],
  [{ __proto__: null, x: 2 }, "{'x': 2}", false],
  [new Map([[1, 'one'], [2.5, 'two and a half'], ['s', 's'], [new Tuple(1, 2), 'tuple key'], [null, 'none']]), "{1: 'one', 2.5: 'two and a half', 's': 's', (1, 2): 'tuple key', None: 'none'}", true],
  [new Set([1, 'a', Tuple.of(2)]), "{1, 'a', (2,)}", true],
  [new Set(), 'set()', true],
  [new FrozenSet([3, 4]), 'frozenset({3, 4})', true],
  [new FrozenSet(), 'frozenset()', true],
  [new Complex(1.5, -2), '1.5-2j', true],
  [Array.from({ length: 2500 }, (_, i) => i), 'list(range(2500))', true],
  [Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i])), "{f'k{i}': i for i in range(1500)}", true],
  [new Set(Array.from({ length: 1200 }, (_, i) => i)), 'set(range(1200))', true],
  [[shared, shared], 'exec("s=[1, 2]") or [s, s]', true],
  [cyclic, 'exec("c=[]; c.append(c)") or c', true],
  [parent, 'exec("p={\'name\': \'root\', \'children\': []}; p[\'children\'].append({\'name\': \'child\', \'parent\': p})") or p', true],
  [new Map([[1, new Map([[2, [3]]])]]), '{1: {2: [3]}}', true],
];

test('JS values dump at every protocol to what python3 loads as the mapping table says', { skip: needsPython }, () => {
  const requests = TABLE.map(([value, expr, , protocols = ALL]) => ({ expr, candidates: protocols.map((protocol) => dumps(value, { protocol })) }));
  const answers = pythonCompare(requests);
  const failures = answers.map((a, i) => (a.ok ? null : `${TABLE[i][1]}: ${a.why}`)).filter(Boolean);
  assert.deepEqual(failures, []);
});

test('loads(dumps(v)) deep-equals v at every protocol', () => {
  for (const [value, expr, roundTrips, protocols = ALL] of TABLE) {
    if (!roundTrips) continue;
    for (const protocol of protocols) {
      assert.deepStrictEqual(loads(dumps(value, { protocol })), value, `${expr} at protocol ${protocol}`);
    }
  }
});

test('shared references and cycles come back as shared and cyclic', () => {
  for (let protocol = 0; protocol <= 5; protocol++) {
    const [a, b] = loads(dumps([shared, shared], { protocol }));
    assert.equal(a, b);
    const c = loads(dumps(cyclic, { protocol }));
    assert.equal(c[0], c);
    const p = loads(dumps(parent, { protocol }));
    assert.equal(p.children[0].parent, p);
    // a payload too large for the arena goes out of wasm memory: its memo store is a record of its own, and the stores folded after it go on from its index
    const big = ['x'.repeat(40_000), new Uint8Array(40_000)];
    const [, , x, y] = loads(dumps([big[0], big[1], shared, shared], { protocol }));
    assert.equal(x, y, `a shared list after payloads out of wasm memory, protocol ${protocol}`);
    const t = new Tuple([]);
    t[0].push(t);
    const loaded = loads(dumps(t, { protocol }));
    assert.ok(loaded instanceof Tuple && loaded[0][0] === loaded, `a tuple in a cycle through a list, protocol ${protocol}`);
  }
});

test('what CPython writes, and older Pythons need: text opcodes, _codecs bytes, builtins set, frames', () => {
  const has = (bytes, text) => Buffer.from(bytes).includes(Buffer.from(text, 'latin1'));
  assert.ok(has(dumps('x', { protocol: 0 }), 'Vx\n'));
  assert.ok(has(dumps(new Uint8Array([1]), { protocol: 2 }), 'c_codecs\nencode\n'));
  assert.ok(has(dumps(new Set([1]), { protocol: 3 }), 'c__builtin__\nset\n') === false && has(dumps(new Set([1]), { protocol: 3 }), 'cbuiltins\nset\n'));
  assert.ok(has(dumps(new Set([1]), { protocol: 2 }), 'c__builtin__\nset\n'));
  assert.ok(has(dumps(new ByteArray([1]), { protocol: 4 }), '\x8c\x08builtins\x94\x8c\x09bytearray'));
  const framed = dumps(Array.from({ length: 50_000 }, (_, i) => `s${i}`), { protocol: 4 });
  assert.equal(framed[2], 0x95, 'protocol 4 opens a FRAME after PROTO');
  assert.equal(dumps(null, { protocol: 5 }).length, 4, 'a tiny pickle has no frame (PROTO 5, NONE, STOP)');
});

test("dumps writes byte for byte what CPython's C pickler writes: batches, frames, output past the window", { skip: needsPython }, () => {
  const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));
  const cases = [
    // batches: a last batch of one keeps its MARK; a full last batch of a dict or set is followed by an empty one
    ['{i: i for i in range(1001)}', new Map(range(1001, (i) => [i, i])), [1, 2, 5]],
    ['{i: i for i in range(2000)}', new Map(range(2000, (i) => [i, i])), [1, 2, 5]],
    ['{"k": 1}', { k: 1 }, [1, 5]],
    // Maps of numbers go onto the tape as they are iterated: one item, the tape filled past its end, a value that is not a number
    ['{7: 8}', new Map([[7, 8]]), [1, 2, 5]],
    ["[[f'a{i}', {j: j + 0.5 for j in range(999)}] for i in range(6)]", range(6, (i) => [`a${i}`, new Map(range(999, (j) => [j, j + 0.5]))]), [1, 2, 5]],
    ["{1: 2, 3.5: -0.0, 2**40: 'x', 4: 5}", new Map([[1, 2], [3.5, -0], [2 ** 40, 'x'], [4, 5]]), [1, 2, 5]],
    ['list(range(1001))', range(1001, (i) => i), [1, 2, 5]],
    // lists of numbers below a batch go as one record with their MARK and APPENDS: none, one, two, a text int
    // first (protocol 1), a number then not, and lists of 999 that fill the tape and flush it before they fit
    ["[[], [5], [2**40, 1], [2**40], [1, 'x'], [0.5] * 999]", [[], [5], [2 ** 40, 1], [2 ** 40], [1, 'x'], range(999, () => 0.5)], [1, 2, 5]],
    ['[[i + 0.5] * 999 for i in range(12)]', range(12, (i) => range(999, () => i + 0.5)), [2, 5]],
    // so do tuples of numbers, with TUPLE (after the MARK written before them) or TUPLE1-3, and their memo store
    ["(lambda t: [(1,), (1, 2, 3), (1, 2, 3, 4), (2**40,), (2**40, 1, 2, 3), tuple(range(999)), (1, 'x'), t, t])((5, 6))",
      ((t) => [Tuple.of(1), Tuple.of(1, 2, 3), Tuple.of(1, 2, 3, 4), Tuple.of(2 ** 40), Tuple.of(2 ** 40, 1, 2, 3), Tuple.fromArray(range(999, (i) => i)), Tuple.of(1, 'x'), t, t])(Tuple.of(5, 6)),
      [1, 2, 3, 5]],
    ['[(i, i + 0.5) for i in range(300)]', range(300, (i) => Tuple.of(i, i + 0.5)), [1, 2, 5]],
    ['[(i, i + 0.5) for i in range(30000)]', range(30000, (i) => Tuple.of(i, i + 0.5)), [4, 5]],
    ['[7]', [7], [1, 5]],
    // the value dumped is written whole last: a tuple, one reached again through its own list, bytes, a frozenset
    ['(1, 2, 3)', Tuple.of(1, 2, 3), [1, 2, 5]],
    ["(lambda t: (t[0].append(t), t)[1])(([],))", ((t) => (t[0].push(t), t))(Tuple.of([])), [0, 1, 2, 4, 5]],
    ['(lambda t: (t, [t]))((1, 2))', ((t) => Tuple.of(t, [t]))(Tuple.of(1, 2)), [2, 5]],
    ["b'xyz'", Uint8Array.of(120, 121, 122), [3, 5]],
    ['frozenset([1])', new FrozenSet([1]), [4, 5]],
    // bytes written in their frame below 64 KiB, outside any frame from 64 KiB (the memo stores after them too)
    ["(lambda s: [b'y' * 40000, s, b'z' * 65535, s, b'w' * 65536, s])(['shared'])", ((s) => [40000, s, 65535, s, 65536, s].map((x) => (typeof x === 'number' ? new Uint8Array(x).fill(x === 40000 ? 121 : x === 65535 ? 122 : 119) : x)))(['shared']), [3, 4, 5]],
    // bytes at protocols 0-2 as _codecs.encode of their text: a str written anew for each bytes value, equal ones too, short and
    // long, past 64 KiB of UTF-8 (outside any frame); one bytes value met again is a GET of the whole
    [
      "(lambda b, big: [b, bytes(list(b)), big, bytes(list(big)), bytes([92, 10, 0, 32, 111, 107]), big])(bytes(range(256)), bytes(range(128, 256)) * 300)",
      ((b, big) => [b, b.slice(), big, big.slice(), Uint8Array.from([92, 10, 0, 32, 111, 107]), big])(
        Uint8Array.from({ length: 256 }, (_, i) => i), Uint8Array.from({ length: 38400 }, (_, i) => 128 + (i % 128))),
      [0, 1, 2],
    ],
    // objects met again from the dump's first memo entries (searched in order) and from after the 16th (a Map)
    ['(lambda xs: xs + xs[::-1])([[i] for i in range(40)])', ((xs) => [...xs, ...xs.slice().reverse()])(range(40, (i) => [i])), [1, 2, 5]],
    // containers of less than a batch, written at once, among ones written through frames
    [
      "[{'a': [1], 'b': {}}, (1,), (1, 2, 3, 4), [[]], {'k': (1, [2])}, [1, 'x', [2.5, None, True]], [list(range(1500)), {'d': [3]}]]",
      [{ a: [1], b: {} }, Tuple.of(1), Tuple.of(1, 2, 3, 4), [[]], { k: Tuple.of(1, [2]) }, [1, 'x', [2.5, null, true]], [range(1500, (i) => i), { d: [3] }]],
      [1, 2, 5],
    ],
    ['set(range(1000))', new Set(range(1000, (i) => i)), [4, 5]],
    ['set(range(1001))', new Set(range(1001, (i) => i)), [4, 5]],
    // frames end where a value begins, after the APPENDS and MARK between batches
    ['[[i, i + 0.5] for i in range(30000)]', range(30000, (i) => [i, i + 0.5]), [4, 5]],
    ['[(i, i, i, i) for i in range(20000)]', range(20000, (i) => Tuple.of(i, i, i, i)), [4, 5]],
    ['{i: [i] * 3 for i in range(20000)}', new Map(range(20000, (i) => [i, [i, i, i]])), [4, 5]],
    // a key met before is written with its value's record: a frame may end between the two (one of the 7 offsets
    // ends it there: a dict takes 7 bytes), and a protocol 1 int written as text follows its key
    ...range(7, (offset) => [`['p' * ${offset}] + [{'k': 's'} for _ in range(12000)]`, ['p'.repeat(offset), ...range(12000, () => ({ k: 's' }))], [4, 5]]),
    ["[{'k': 2**40, 'n': 2**40} for _ in range(3)]", range(3, () => ({ k: 2 ** 40, n: 2 ** 40 })), [1, 2]],
    // dicts of more than 128 keys have their values read by key: JSON.parse makes them dictionary-mode objects in V8
    ["{f'k{i}': i if i % 3 else f'v{i}' for i in range(200)}", JSON.parse(JSON.stringify(Object.fromEntries(range(200, (i) => [`k${i}`, i % 3 ? i : `v${i}`])))), [1, 2, 5]],
    ["(lambda ks: [{k: [i] for i, k in enumerate(ks)}, {k: None for k in ks[:128]}])([f'k{i}' for i in range(129)])", [Object.fromEntries(range(129, (i) => [`k${i}`, [i]])), Object.fromEntries(range(128, (i) => [`k${i}`, null]))], [1, 5]],
    // ~21 MB: the 128 KiB output window doubles up to 16 MiB, then is taken out and refilled
    ['[i + 0.25 if i % 3 else i * 1000 for i in range(2_500_000)]', range(2_500_000, (i) => (i % 3 ? i + 0.25 : i * 1000)), [2, 5]],
  ];
  const pickler = new Pickler({ protocol: 5 }); // one Pickler for all, each value twice: its memo emptied after each dump
  for (const [expr, value, protocols] of cases) {
    for (const protocol of protocols) {
      const expected = pythonDumps(expr, protocol);
      assert.ok(Buffer.from(dumps(value, { protocol })).equals(expected), `${expr} at protocol ${protocol}`);
      if (protocol !== 5) continue;
      for (const time of ['first', 'second']) assert.ok(Buffer.from(pickler.dump(value)).equals(expected), `${expr}, a Pickler's ${time} dump of it`);
    }
  }
});

test('numbers of every size and kind, in lists and int-keyed dicts, dump as CPython writes them', { skip: needsPython }, () => {
  // wasm writes runs of numbers with a loop for those that surely fit the window and frame, and one that checks each
  let state = 12345;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = () => {
    const bits = [7, 8, 15, 16, 31, 32, 40, 53][Math.floor(random() * 8)];
    const int = Math.floor(random() * 2 ** bits) * (random() < 0.3 ? -1 : 1);
    return random() < 0.2 ? int + 0.5 : random() < 0.02 ? -0 : int;
  };
  const numbers = Array.from({ length: 30_000 }, pick);
  const literal = (x) => (Object.is(x, -0) ? '-0.0' : String(x));
  const list = `[${numbers.map(literal).join(', ')}]`;
  // dicts of 10 items, their keys distinct and not -0 (a Map takes -0 for 0)
  const dicts = Array.from({ length: 150 }, (_, i) => {
    const items = numbers.slice(i * 20, i * 20 + 20);
    return new Map(Array.from({ length: 10 }, (_, j) => [Object.is(items[2 * j], -0) ? j : items[2 * j], items[2 * j + 1]]));
  });
  const dictsLiteral = `[${dicts.map((d) => `{${[...d].map(([k, v]) => `${literal(k)}: ${literal(v)}`).join(', ')}}`).join(', ')}]`;
  for (const protocol of [1, 2, 3, 4, 5]) {
    assert.ok(Buffer.from(dumps(numbers, { protocol })).equals(pythonDumps(list, protocol)), `the list at protocol ${protocol}`);
    assert.ok(Buffer.from(dumps(dicts, { protocol })).equals(pythonDumps(dictsLiteral, protocol)), `the dicts at protocol ${protocol}`);
  }
});

test('numbers at the edges of each binary form dump as CPython writes them, alone and in runs', { skip: needsPython }, () => {
  // the encoder tells 32-bit ints, wider ones and floats apart by range: each edge, either side
  const edges = [0, -0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32,
    2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, -(2 ** 53), 0.5, -0.5, 2 ** 31 - 0.5, -(2 ** 31) + 0.5, Infinity, -Infinity];
  const literal = (x) => (Object.is(x, -0) ? '-0.0' : x === Infinity ? "float('inf')" : x === -Infinity ? "float('-inf')"
    : Number.isSafeInteger(x) ? String(x) : `float(${x})`);
  for (const protocol of [1, 2, 3, 4, 5]) {
    assert.ok(Buffer.from(dumps(edges, { protocol })).equals(pythonDumps(`[${edges.map(literal).join(', ')}]`, protocol)), `the run at protocol ${protocol}`);
    for (const x of edges) {
      const tuple = Tuple.of(x, 'x'); // a number alone, not in a run
      assert.ok(Buffer.from(dumps(tuple, { protocol })).equals(pythonDumps(`(${literal(x)}, 'x')`, protocol)), `${literal(x)} at protocol ${protocol}`);
    }
  }
});

test('ints that are bigints go in runs of numbers and dump as CPython writes them, at every protocol', { skip: needsPython }, () => {
  // an int within 64 bits held as a bigint takes two slots of a run (the int64, then the next one's slot):
  // runs long enough to fill the tape, edges of int64, bigints beyond it (which end a run), a bigint first
  const mixed = Array.from({ length: 9000 }, (_, i) => (i % 3 === 0 ? (i % 2 ? -1n : 1n) * (2n ** 62n + BigInt(i)) : i % 7 ? i * 1e6 : i + 0.5));
  const edges = [1, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 3, -(2n ** 63n) - 1n, 2n ** 53n, 5, 2n ** 60n];
  const bigFirst = [2n ** 60n, 1, 2n ** 60n, 2, 3];
  const literal = (x) => (typeof x === 'bigint' ? String(x) : Number.isInteger(x) ? String(x) : `float(${x})`);
  // a NaN with a payload (as one read from a typed array) among them keeps its bits: no slot's bits mean anything else
  const held = { nan: new Float64Array(new Uint32Array([0x36340000, 0x7ff46e74]).buffer)[0] };
  const withNaN = ['x', held.nan, 2n ** 60n, 7, held.nan, 8];
  const nan = "__import__('struct').unpack('<d', bytes.fromhex('00003436746ef47f'))[0]";
  for (const protocol of [0, 1, 2, 3, 4, 5]) {
    for (const list of [mixed, edges, bigFirst]) {
      const ours = Buffer.from(dumps(list, { protocol }));
      assert.ok(ours.equals(pythonDumps(`[${list.map(literal).join(', ')}]`, protocol)), `${list.length} items at protocol ${protocol}`);
    }
    const expected = pythonDumps(`(lambda n: ['x', n, 2**60, 7, n, 8])(${nan})`, protocol);
    assert.ok(Buffer.from(dumps(withNaN, { protocol })).equals(expected), `the NaN at protocol ${protocol}`);
  }
});

test('globals dump with and without fixImports\' renames, in turn, as CPython writes them', { skip: needsPython }, () => {
  // the GLOBAL lines are kept between dumps, apart for the two modes
  const value = [new Set([1]), new FrozenSet([2]), new Complex(1.5, 2.5), new Set([3])];
  const expr = '[{1}, frozenset({2}), complex(1.5, 2.5), {3}]';
  for (const protocol of [0, 1, 2, 3]) {
    for (const fixImports of [true, false, true]) {
      const ours = Buffer.from(dumps(value, { protocol, fixImports }));
      assert.ok(ours.equals(pythonDumps(expr, protocol, fixImports)), `protocol ${protocol}, fixImports ${fixImports}: ${ours.toString('latin1')}`);
    }
  }
});

test('globals met again are GETs, with more of them than the process keeps between dumps', () => {
  // 1100 names (the table of globals keeps 1024 between dumps: it starts over before the next), each through two stubs
  const stubs = Array.from({ length: 1100 }, (_, i) => new PyObject('mod', `Name${i}`));
  const value = [...stubs, ...stubs.map((stub) => new PyObject(stub.module, stub.qualname))];
  for (const protocol of [2, 4]) {
    const first = Buffer.from(dumps(value, { protocol }));
    assert.ok(Buffer.from(dumps(value, { protocol })).equals(first), `protocol ${protocol}: the same bytes again`);
    const text = first.toString('latin1');
    for (const i of [0, 700, 1099]) {
      const written = text.split(protocol < 4 ? `mod\nName${i}\n` : `Name${i}`).length - 1;
      assert.equal(written, 1, `protocol ${protocol}: Name${i} written ${written} times`);
    }
    const back = loads(first, { unknownGlobals: 'stub' });
    assert.deepEqual(back.map((stub) => stub.qualname), value.map((stub) => stub.qualname));
  }
});

test('records of the benchmark shape dump no larger than CPython writes them', { skip: needsPython }, () => {
  // CPython shares the tag strs (constants); equal strs are shared here by value, through a cache a str's hash decides
  const expr = "[{'id': i, 'name': f'user{i}', 'email': f'user{i}@example.com', 'score': i / 7, 'active': i % 3 != 0, " +
    "'tags': ['alpha', 'beta'] if i % 2 else ['gamma'], 'created': f'2026-01-{1 + i % 28:02d}T12:00:00'} for i in range(20000)]";
  for (const protocol of [2, 5]) {
    const cpython = pythonDumps(expr, protocol);
    const ours = dumps(loads(cpython), { protocol });
    assert.ok(ours.length <= cpython.length, `protocol ${protocol}: ${ours.length} bytes, CPython's ${cpython.length}`);
  }
});

test('dicts of one shape, dumped one after another and nested in each other, come back with their keys', () => {
  // the keys of a shape are fetched by the memo index they got in this dump, never an earlier one's
  const pickler = new Pickler();
  const values = [
    [{ a: 1, b: 2 }, { a: 3, b: 4 }],
    ['x', 'y', { a: 1, b: 2 }, { a: 3, b: 4 }],
    [{ b: 1, a: 2 }, { a: { b: { a: 1, c: 2 }, c: 3 }, b: 4, c: 5 }, { a: 6, b: 7, c: 8 }],
  ];
  for (const protocol of [1, 2, 5]) {
    for (const value of [...values, ...values]) {
      assert.deepStrictEqual(loads(dumps(value, { protocol })), value);
      assert.deepStrictEqual(loads(pickler.dump(value)), value);
    }
  }
});

test('dict keys written from the key table stay right in a dump inside a dump, and once the table is full', () => {
  // 4000 keys of 17 bytes: more than the table's 64 KiB; the inner dump runs while the outer one's records point into it
  const keys = (prefix, n) => Array.from({ length: n }, (_, i) => prefix + String(i).padStart(16, '0'));
  const dictOf = (names) => Object.fromEntries(names.map((k, i) => [k, i]));
  const outer = [dictOf(keys('a', 4000)), 'hook', dictOf(keys('a', 5)), { b: 1 }];
  const inner = [dictOf(keys('z', 4000)), { b: 2 }];
  let innerPickle;
  const persistentId = (value) => {
    if (value === 'hook') innerPickle = dumps(inner);
    return undefined;
  };
  for (let round = 0; round < 2; round++) {
    assert.deepStrictEqual(loads(dumps(outer, { persistentId })), outer);
    assert.deepStrictEqual(loads(innerPickle), inner);
  }
});

test('a dict dumped again after the key table filled and started over comes back with its own keys', () => {
  // keys are found by position across dumps; a full table starts over, and other keys take the places its first ones had
  const dictOf = (prefix, n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [prefix + String(i).padStart(16, '0'), i]));
  const first = dictOf('a', 10);
  assert.deepStrictEqual(loads(dumps(first)), first);
  for (let round = 0; round < 3; round++) {
    const other = dictOf('b' + round, 2000);
    assert.deepStrictEqual(loads(dumps(other)), other);
  }
  assert.deepStrictEqual(loads(dumps(first)), first);
});

test('equal str values are written once, as CPython writes a str object met again: memo indices past them, in every protocol', { skip: needsPython }, () => {
  // The encoder shares strs by their bytes and takes memo indices for them that JS's own (lists, keys) skip:
  // GETs of lists after shared strs, 256+ memo entries (LONG_BINGET), 4096+ of JS's (its table of indices grows).
  const pool = Array.from({ length: 60 }, (_, i) => (i % 3 ? `value ${i}` : `värde ${i} ✓`));
  const expr = (lists) => `(lambda pool: (lambda ls: ls + [{'k': pool[1], 'l': l} for l in ls[::7]] + ls)([[pool[i % 60], i] for i in range(${lists})]))` +
    `([f'värde {i} ✓' if i % 3 == 0 else f'value {i}' for i in range(60)])`;
  const value = (lists) => {
    const ls = Array.from({ length: lists }, (_, i) => [pool[i % 60], i]);
    return [...ls, ...ls.filter((_, i) => i % 7 === 0).map((l) => ({ k: pool[1], l })), ...ls];
  };
  for (const lists of [40, 5000]) {
    for (const protocol of ALL) {
      const ours = dumps(value(lists), { protocol });
      assert.ok(Buffer.from(ours).equals(pythonDumps(expr(lists), protocol)), `${lists} lists, protocol ${protocol}`);
      assert.ok(Buffer.from(dumps(value(lists), { protocol })).equals(ours), `the same dump again, protocol ${protocol}`);
    }
  }
});

test("a dump inside a dump shares its own strs, never the outer dump's memo indices", () => {
  const outer = ['first', ['x'], 'hook', 'first', 'second', 'second'];
  const inner = ['second', 'pad', 'first', 'second', 'first'];
  let innerPickle;
  const persistentId = (value) => {
    if (value === 'hook') innerPickle = dumps(inner);
    return undefined;
  };
  for (const protocol of ALL) {
    const pickle = dumps(outer, { protocol, persistentId });
    assert.deepStrictEqual(loads(pickle), outer);
    assert.deepStrictEqual(loads(innerPickle), inner);
    assert.ok(pickle.length < dumps([...outer.slice(0, 3), 'firsT', 'seconD', 'secomd'], { protocol }).length, `protocol ${protocol}: the repeats are GETs`);
  }
});

test('a short str value met again is a GET of the first, as CPython writes one str object twice: by the value table, or the encoder\'s', { skip: needsPython }, () => {
  const value = [{ k1: 'v' }, { k2: 'v' }, { k1: 'v', k2: 'v', k3: 'w' }, ['w', 'v'], { k3: 'w', k2: 'v' }];
  const expr = "[{'k1': 'v'}, {'k2': 'v'}, {'k1': 'v', 'k2': 'v', 'k3': 'w'}, ['w', 'v'], {'k3': 'w', 'k2': 'v'}]";
  for (const protocol of ALL) {
    assert.ok(Buffer.from(dumps(value, { protocol })).equals(pythonDumps(expr, protocol)), `protocol ${protocol}`);
  }
  // Records of unique names and a repeated unit, new to the value table, then known to it (dumped again: the
  // same bytes), then after 300 unique strs (JS stops sharing after 256 that did not repeat, the encoder's
  // SharedStrs go on): the same bytes whatever the table held. Fixed strs: the encoder's table loses a str
  // when three after it take its pair of slots (then it is written again), which these never do.
  const prefix = 'records ';
  const records = Array.from({ length: 400 }, (_, i) => ({ name: prefix + i, unit: 'kg' }));
  const recordsExpr = `[{'name': ${JSON.stringify(prefix)} + str(i), 'unit': 'kg'} for i in range(400)]`;
  const unique = Array.from({ length: 300 }, (_, i) => `${prefix} unique ${i}`);
  const cases = [[records, recordsExpr], [records, recordsExpr], [[...unique, ...records], `[${JSON.stringify(prefix)} + ' unique ' + str(i) for i in range(300)] + ${recordsExpr}`]];
  for (const protocol of [0, 1, 2, 4, 5]) {
    const first = dumps(records, { protocol });
    for (const [value, valueExpr] of cases) {
      const pickle = dumps(value, { protocol });
      if (value === records) assert.ok(Buffer.from(pickle).equals(first), `protocol ${protocol}: the same bytes again`);
      // the table full (its strs known half the time, it takes new ones until it is), then started over
      const filler = Array.from({ length: 5000 }, (_, i) => `filler ${protocol} ${i} ${prefix}`);
      dumps(filler.flatMap((text) => [text, filler[0]]), { protocol });
      assert.deepStrictEqual(loads(pickle), value);
      assert.equal(Buffer.from(pickle).toString('latin1').split('kg').length - 1, 1, `protocol ${protocol}`);
      const [answer] = pythonCompare([{ expr: valueExpr, candidates: [pickle] }]);
      assert.ok(answer.ok, answer.why);
    }
  }
});

test('str values the value table shared stay GETs after it stops, at the same bytes whatever it held', { skip: needsPython }, () => {
  // 600 distinct strs, each three times, then the first two again: JS shares the first 512 (VALUE_STRS_PER_DUMP),
  // the encoder the rest, told of those 512. Then 'unit' once, 300 unique strs (JS stops after 128 that did
  // not repeat) and 'unit' again. Fixed strs: the table knows them from the second dump on, or was emptied.
  const pool = Array.from({ length: 600 }, (_, i) => `pooled ${i}${i % 5 === 0 ? ' ✓' : ''}`);
  const value = [...pool.flatMap((text) => [text, text, text]), pool[0], pool[1], 'unit', ...Array.from({ length: 300 }, (_, i) => `once ${i}`), 'unit'];
  const expr = "(lambda pool: [s for s in pool for _ in range(3)] + pool[:2] + ['unit'] + [f'once {i}' for i in range(300)] + ['unit'])" +
    "([f'pooled {i}' + (' ✓' if i % 5 == 0 else '') for i in range(600)])";
  for (const protocol of [1, 2, 4, 5]) {
    const expected = pythonDumps(expr, protocol);
    for (let round = 0; round < 3; round++) {
      assert.ok(Buffer.from(dumps(value, { protocol })).equals(expected), `protocol ${protocol}, round ${round}`);
      // the value table full, then emptied by the next dump
      dumps(Array.from({ length: 5000 }, (_, i) => `filler ${round} ${i}`), { protocol });
    }
  }
});

test('sharing str values stops in a dump whose first 2048 strs almost never repeat', () => {
  const count = (pickle, text) => Buffer.from(pickle).toString('latin1').split(text).length - 1;
  for (const [unique, times] of [[100, 1], [3000, 2]]) {
    for (const protocol of [0, 2, 5]) {
      // (strs new to the value table, which stops after 128 of them: see the test above)
      const value = [...Array.from({ length: unique }, (_, i) => `unique ${protocol} ${Date.now()} ${i}`), 'repeated', 'repeated'];
      const pickle = dumps(value, { protocol });
      assert.deepStrictEqual(loads(pickle), value);
      assert.equal(count(pickle, 'repeated'), times, `after ${unique} unique strs, protocol ${protocol}`);
    }
  }
});

test('a str value found through its dict key is written right after the value table started over', () => {
  const record = { unit: 'kg', note: 'n'.repeat(60) };
  for (const protocol of [1, 5]) {
    assert.deepStrictEqual(loads(dumps(record, { protocol })), record);
    // 512 new strs of 60 bytes (each twice: the table takes them) a dump, until their bytes take the table's room
    for (let round = 0; round < 12; round++) {
      const strs = Array.from({ length: 512 }, (_, i) => `${protocol} ${round} ${i} `.padEnd(60, 'x'));
      dumps(strs.flatMap((text) => [text, text]), { protocol });
    }
    assert.deepStrictEqual(loads(dumps(record, { protocol })), record, `protocol ${protocol}`);
  }
});

test('repeated equal strings are written once', () => {
  const records = Array.from({ length: 100 }, (_, i) => ({ identifier: i, description: 'same text' }));
  const size = dumps(records).length;
  assert.ok(size < 100 * 20, `${size} bytes`);
});

test('out-of-band buffers at protocol 5: bufferCallback, loads with buffers, Python with buffers', { skip: needsPython }, () => {
  const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
  const bigMutable = new ByteArray(100_000).fill(3);
  const value = { big, bigMutable, small: new Uint8Array([1, 2]), explicit: new PickleBuffer(new Uint8Array([5, 6, 7])) };
  const buffers = [];
  const pickle = dumps(value, { protocol: 5, bufferCallback: (b) => void buffers.push(b.data) });
  assert.equal(buffers.length, 3, 'the two large buffers and the explicit PickleBuffer');
  assert.ok(pickle.length < 1000, `the pickle itself is small: ${pickle.length}`);
  const loaded = loads(pickle, { buffers });
  assert.equal(loaded.big, big);
  assert.equal(loaded.bigMutable, bigMutable);
  assert.deepEqual(loaded.small, value.small);
  const [answer] = pythonCompare([{
    expr: "{'big': bytes(i & 0xff for i in range(200000)), 'bigMutable': bytearray(b'\\x03' * 100000), 'small': b'\\x01\\x02', 'explicit': b'\\x05\\x06\\x07'}",
    candidates: [dumps(value, { protocol: 5 })],
  }]);
  assert.ok(answer.ok, answer.why);
  const [outOfBand] = pythonCompare([{
    expr: "{'big': memoryview(bytes(i & 0xff for i in range(200000))), 'bigMutable': bytearray(b'\\x03' * 100000), 'small': b'\\x01\\x02', 'explicit': memoryview(b'\\x05\\x06\\x07')}",
    candidates: [pickle],
    buffers: [buffers[0], buffers[1], buffers[2]],
  }]);
  assert.ok(!outOfBand.ok && /memoryview/.test(outOfBand.why), 'Python reads the out-of-band data as memoryviews of the buffers');
  assert.ok(dumps(value, { protocol: 5, bufferCallback: () => true }).length > 300_000, 'a true result writes them in band');
  assert.throws(() => dumps(new PickleBuffer(big), { protocol: 4 }), PicklingError);
});

test('PicklingError names what could not be pickled and where it sits', () => {
  assert.throws(() => dumps({ users: [{}, {}, {}, { avatar: () => 1 }] }), (e) => e instanceof PicklingError && /avatar/.test(e.message) && e.message.includes('$.users[3].avatar'));
  assert.throws(() => dumps([Symbol('s')]), /symbol.*\$\[0\]/);
  // through containers written at once, frames (a Map, a list of a batch and more) and both again
  const big = Array.from({ length: 1500 }, () => 0);
  big.push({ deep: [Symbol('s')] });
  assert.throws(() => dumps({ a: [Tuple.of(1, { b: new Map([[2, big]]) })] }), /symbol.*\(at \$\.a\[0\]\[1\]\.b\.get\(2\)\[1500\]\.deep\[0\]\)/);
  assert.throws(() => dumps({ 'odd key': { ok: 1, get bad() { throw new Error('boom'); } } }), /boom \(at \$\["odd key"\]\.bad\)/);
  class Unregistered {}
  assert.throws(() => dumps({ x: new Map([[1, new Unregistered()]]) }), /Unregistered.*not registered.*\$\.x\.get\(1\)/);
  assert.throws(() => dumps(Unregistered), /Unregistered: it is not registered/);
  assert.throws(() => dumps(1, { protocol: 6 }), RangeError);
  assert.throws(() => dumps(2n ** 20000n, { protocol: 1 }), /4300 digits/);
  assert.throws(() => dumps({ v: new Float64Array(2) }), /Float64Array: wrap it as new NDArray.*\$\.v/);
});

test('registered functions and classes dump by name; stubs write back what they were read from', () => {
  function helper() {}
  const registry = new Registry().register('mod', 'helper', helper);
  for (let protocol = 0; protocol <= 5; protocol++) {
    assert.equal(loads(dumps([helper, helper], { protocol, registry }), { registry })[0], helper);
  }
  const stub = new PyObject('acc', 'Point', 'newobj', [1]);
  stub.state = { x: 1 };
  const back = loads(dumps(stub), { unknownGlobals: 'stub' });
  assert.deepEqual([back.module, back.qualname, back.kind, [...back.args], back.state], ['acc', 'Point', 'newobj', [1], { x: 1 }]);
});

// CPython's pickler asks persistent_id about every value it saves, a dict's
// keys too; pickle-wasm's key table (dict keys written once a process) must not
// skip the hook.
test('persistentId sees dict keys as CPython\'s persistent_id does: the same bytes at every protocol', { skip: needsPython }, () => {
  const value = [{ ref: 1, b: 'ref', c: { ref: 2, d: 'x' } }, new Map([['ref', 3]])];
  const python = `import pickle, io, sys
class P(pickle.Pickler):
    def persistent_id(self, obj):
        return 'R' if obj == 'ref' and type(obj) is str else None
for protocol in range(6):
    out = io.BytesIO()
    P(out, protocol).dump([{'ref': 1, 'b': 'ref', 'c': {'ref': 2, 'd': 'x'}}, {'ref': 3}])
    print(out.getvalue().hex())`;
  const expected = runPythonCode(python).toString().trim().split('\n');
  const seen = [];
  const persistentId = (v) => (seen.push(v), v === 'ref' ? 'R' : undefined);
  for (let protocol = 0; protocol <= 5; protocol++) {
    assert.equal(Buffer.from(dumps(value, { protocol, persistentId })).toString('hex'), expected[protocol], `protocol ${protocol}`);
  }
  assert.equal(seen.filter((v) => v === 'ref').length, 6 * 4, 'each protocol: three keys and a value');
});

test('Pickler hooks: reducerOverride sees every object (classes too), persistentId every value', () => {
  const seen = [];
  class Mine extends Pickler {
    reducerOverride(obj) {
      seen.push(obj);
      return undefined;
    }
  }
  const registry = new Registry().register('m', 'f', Math.max);
  new Mine({ registry }).dump([{ a: [1] }, Math.max]);
  assert.equal(seen.length, 4, 'the list, the dict, the inner list and the function');
  const ids = [];
  const pickle = dumps(['keep', 'ref:a'], { persistentId: (v) => (typeof v === 'string' && v.startsWith('ref:') ? v.slice(4) : undefined) });
  assert.deepEqual(loads(pickle, { persistentLoad: (pid) => (ids.push(pid), `<${pid}>`) }), ['keep', '<a>']);
  assert.deepEqual(ids, ['a']);
  const asText = dumps(['ref:b'], { protocol: 0, persistentId: (v) => (typeof v === 'string' && v.startsWith('ref:') ? v.slice(4) : undefined) });
  assert.ok(Buffer.from(asText).includes(Buffer.from('Pb\n')));
  // bytes at protocols 0-2: the hooks see the parts of `_codecs.encode(text, 'latin1')`, the text a str (as Python's do)
  for (const protocol of [0, 2]) {
    const values = [];
    const objects = [];
    const bytes = Uint8Array.of(97, 98, 200);
    dumps([bytes], { protocol, persistentId: (v) => void values.push(v) });
    dumps([bytes], { protocol, reducerOverride: (v) => void objects.push(v) });
    assert.deepEqual(values.slice(1).filter((v) => typeof v === 'string'), ['ab\u00c8', 'latin1'], `protocol ${protocol}`);
    assert.deepEqual(objects.slice(1).map((v) => v.constructor.name), ['Uint8Array', 'Function', 'Tuple'], `protocol ${protocol}`);
  }
});

test('dumps() keeps a Pickler per protocol: a dumps() inside one gets another, a failed one leaves it working, it keeps nothing dumped', async () => {
  let inner;
  class DumpsWhileReduced {
    __reduce_ex__(protocol) {
      inner = dumps(['in', [1, 2], 'in'], { protocol }); // while the outer dumps() of this protocol is under way
      return [builtins.str, ['made']];
    }
  }
  for (const protocol of ALL) {
    assert.deepStrictEqual(loads(dumps(['out', [3, 4], new DumpsWhileReduced(), 'out'], { protocol })), ['out', [3, 4], 'made', 'out']);
    assert.deepStrictEqual(loads(inner), ['in', [1, 2], 'in'], `protocol ${protocol}`);
    assert.throws(() => dumps([[5], Symbol('no')], { protocol }), PicklingError);
    assert.deepStrictEqual(loads(dumps([[5], 6], { protocol })), [[5], 6], `protocol ${protocol}, after a failed dump`);
  }
  // each other option, given alone, takes effect (such a dumps() makes a Pickler of its own)
  class Unregistered {}
  assert.throws(() => dumps(Unregistered), PicklingError);
  const options = [
    [{ byValue: true }, (pickle) => pickle.length > 0],
    [{ registry: new Registry().register('m', 'Unregistered', Unregistered) }, (pickle) => Buffer.from(pickle).includes('Unregistered')],
    [{ persistentId: (v) => (v === Unregistered ? 'id' : undefined) }, (pickle) => pickle.includes(0x51)], // BINPERSID
    [{ reducerOverride: (v) => (v === Unregistered ? [builtins.str, ['x']] : undefined) }, (pickle) => loads(pickle) === 'x'],
  ];
  for (const [option, check] of options) assert.ok(check(dumps(Unregistered, option)), Object.keys(option)[0]);
  assert.throws(() => dumps([1, 2, 3], { maxBytes: 4 }), /maxBytes/);
  assert.ok(Buffer.from(dumps(new Set(), { protocol: 2, fixImports: false })).includes('builtins'), 'fixImports');
  const out = [];
  dumps(new Uint8Array(70000), { bufferCallback: (buffer) => void out.push(buffer) });
  assert.equal(out.length, 1, 'bufferCallback');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const refs = [];
  (() => {
    const value = { list: [1, 2], text: 'kept?' };
    refs.push(new WeakRef(value), new WeakRef(value.list));
    dumps([value, value.list]);
    dumps(value, { protocol: 2 });
  })();
  await new Promise((resolve) => setImmediate(resolve)); // (a WeakRef holds its target to the end of the job that made it)
  gc();
  assert.deepEqual(refs.map((ref) => ref.deref()), [undefined, undefined], 'no value a dumps() wrote is reachable after it');
});
