// Total and linear: worst cases finish fast with a value or an
// UnpicklingError; nothing recurses on the input's depth; limits have safe
// defaults; loads and dumps may be called from inside any callback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Pickler, PicklingError, Registry, Unpickler, UnpicklingError, dumps, loadStream, loads } from 'pickle-wasm';

const bytes = (text) => Buffer.from(text, 'latin1');
const repeat = (text, n) => Buffer.alloc(text.length * n, text, 'latin1');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b.toString('latin1'); };

/**
 * Runs fn, checks it took under `ms` of CPU time, returns its result or the
 * error it threw. CPU, not wall time: test files run in parallel and CI shares
 * its cores. CPU time counts V8's parallel GC threads too, and on a shared VM
 * it inflates under load (the slowest case, a million nested lists, mostly GC:
 * ~0.5 s of wall time alone, 0.9 s of CPU measured on a busy host), so the
 * bound is 3 s: a quadratic case would take minutes.
 */
function timed(fn, ms = 3000) {
  const start = process.cpuUsage();
  let outcome;
  try {
    outcome = fn();
  } catch (error) {
    outcome = error;
  }
  const { user, system } = process.cpuUsage(start);
  const took = (user + system) / 1000;
  if (process.env.SHOW_TIMES) console.log(`# ${took.toFixed(0)} ms of CPU`);
  assert.ok(took < ms, `took ${took.toFixed(0)} ms of CPU`);
  return outcome;
}

test('worst cases are linear: each finishes within 3 s of CPU time', () => {
  const cases = {
    '1M MARKs': repeat('(', 1_000_000),
    '1M nested lists': Buffer.concat([repeat(']', 1_000_000), repeat('a', 999_999), bytes('.')]),
    '1M nested tuples': Buffer.concat([bytes('\x80\x02'), repeat(')\x85', 500_000), bytes('.')]),
    '1M DUPs then APPENDS': Buffer.concat([bytes('](]'), repeat('2', 1_000_000), bytes('e.')]),
    'memo churn: 1M PUTs of one index': Buffer.concat([bytes('N'), repeat('q\x00', 1_000_000), bytes('.')]),
    'memo churn: 500k MEMOIZE + GETs': Buffer.concat([bytes('\x80\x04N'), repeat('\x94h\x00', 333_333), bytes('.')]),
    'LONG_BINPUT 2^32-1': bytes('N\x72\xff\xff\xff\xff\x6a\xff\xff\xff\xff.'),
    '1M POP_MARKs': Buffer.concat([repeat('(1', 1_000_000), bytes('N.')]),
    'a 1 MB text line': Buffer.concat([bytes('V'), repeat('\\', 1_000_000), bytes('\n.')]),
    '200k backslash-u escapes': Buffer.concat([bytes('V'), repeat('\\u0041', 200_000), bytes('\n.')]),
    '100k-digit Decimal text': Buffer.concat([bytes('cdecimal\nDecimal\n(V'), repeat('1', 100_000), bytes('x\ntR.')]),
    'a str of 5 MB with a bad byte at the end': Buffer.concat([bytes(`X${u32(5_000_001)}`), repeat('a', 5_000_000), bytes('\xff.')]),
    '2M items in runs of numbers, every other run with a None': Buffer.concat([bytes('\x80\x02]'), repeat(`(${'K\x01'.repeat(1000)}e(${'K\x01'.repeat(999)}Ne`, 1000), bytes('.')]),
    '1M empty dicts converted to Maps': Buffer.concat([bytes('\x80\x04]('), repeat('}K\x01K\x02s', 200_000), bytes('e.')]),
  };
  for (const [name, data] of Object.entries(cases)) {
    const outcome = timed(() => loads(data));
    assert.ok(!(outcome instanceof Error) || outcome instanceof UnpicklingError, `${name}: ${outcome instanceof Error ? outcome.stack : typeof outcome}`);
  }
});

test('values nested a million deep load and dump, without recursion', () => {
  const deep = Buffer.concat([bytes('\x80\x04'), repeat(']\x94', 1_000_000), repeat('a', 999_999), bytes('.')]);
  const value = timed(() => loads(deep), 3000);
  assert.ok(Array.isArray(value));
  const again = timed(() => dumps(value), 3000);
  assert.ok(again instanceof Uint8Array);
  const back = timed(() => loads(again), 3000);
  let depth = 0;
  for (let v = back; v.length > 0; v = v[0]) depth++;
  assert.equal(depth, 999_999);
});

test('limits: maxDepth, maxMemo, maxBytes have defaults and say what they stopped', () => {
  assert.throws(() => loads(repeat('(', 100_001)), /maxDepth \(100000\)/);
  assert.throws(() => loads(bytes('N(((.'), { maxDepth: 2 }), /maxDepth \(2\)/);
  assert.throws(() => loads(Buffer.concat([bytes('\x80\x04N'), repeat('\x94', 11), bytes('.')]), { maxMemo: 10 }), /maxMemo \(10\)/);
  assert.throws(() => dumps('x'.repeat(1000), { maxBytes: 100 }), (e) => e instanceof PicklingError && /maxBytes \(100\)/.test(e.message));
  // a dump past maxBytes stops before the output window grows far past it (a fresh process: its wasm memory is small)
  const script = `
    const { dumps } = await import('pickle-wasm');
    const { core } = await import(${JSON.stringify(new URL('../dist/esm/wasm.js', import.meta.url).href)});
    let message = '';
    try { dumps(new Array(3_000_000).fill(0.5), { maxBytes: 1 << 20 }); } catch (e) { message = e.message; }
    console.log(JSON.stringify([message, core.memory.buffer.byteLength]));`;
  const [message, wasmBytes] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.match(message, /maxBytes \(1048576\)/);
  assert.ok(wasmBytes < 8 * 1024 * 1024, `wasm memory grew to ${wasmBytes} bytes`);
});

// Growing wasm memory detaches its old ArrayBuffer, and the first detach in a
// process turns on V8's detach checks at every typed array access from then on
// (~4% of a small dump's instructions): the initial memory (asconfig.json) holds
// what small loads and dumps need.
test('small loads and dumps run in the wasm memory the core starts with (no grow, no detached buffer)', () => {
  const script = `
    const { dumps, loads, PyDateTime } = await import('pickle-wasm');
    const { core } = await import(${JSON.stringify(new URL('../dist/esm/wasm.js', import.meta.url).href)});
    const buffer = core.memory.buffer;
    // bm_pickle's shapes: user records with a datetime, a tuple of ints, lists of lists, dicts of int keys
    const record = (id) => ({ id, name: 'Fulano de Tal', status: 'Olá, como vai?', tags: ['a', 'b', 'c'], age: 18 + id, at: new PyDateTime(2009, 2, 25, 19, 42, 4) });
    const values = [
      [record(0), record(1), record(2)],
      [Array.from({ length: 20 }, (_, i) => i * 7919), 60],
      Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => [i, j, 'x' + j])),
      new Map(Array.from({ length: 100 }, (_, i) => [i, new Map(Array.from({ length: 10 }, (_, j) => [j, j * i]))])),
    ];
    for (const value of values) {
      for (const protocol of [2, 5]) for (let i = 0; i < 100; i++) loads(dumps(value, { protocol }));
    }
    console.log(JSON.stringify(core.memory.buffer === buffer));`;
  assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim(), 'true');
});

test('re-entrant: loads and dumps from inside every callback', () => {
  const inner = dumps({ inner: [1, 2] });
  class Thing {
    __setstate__(state) {
      this.nested = loads(inner);
      this.redumped = loads(dumps(state));
    }
  }
  const registry = new Registry().register('m', 'Thing', Thing);
  class Finder extends Unpickler {
    findClass(module, name) {
      assert.deepEqual(loads(inner), { inner: [1, 2] });
      return super.findClass(module, name);
    }
  }
  const thingPickle = dumps(Object.assign(new Thing(), { s: 'state' }), { registry });
  for (let i = 0; i < 3; i++) {
    const thing = new Finder({ registry, persistentLoad: () => loads(inner) }).load(thingPickle);
    assert.deepEqual(thing.nested, { inner: [1, 2] });
    assert.deepEqual(thing.redumped, { s: 'state' });
  }
  const persisted = dumps(['a', 'b'], { persistentId: (v) => (v === 'b' ? dumps(v).length : undefined) });
  assert.deepEqual(loads(persisted, { persistentLoad: (pid) => loads(dumps(pid)) }), ['a', dumps('b').length]);
  const overridden = dumps([new Thing()], {
    registry,
    reducerOverride: (obj) => (obj instanceof Thing ? [loads(dumps(registry.lookup('m', 'Thing'), { registry }), { registry }), [], { s: loads(dumps('deep')) }] : undefined),
  });
  assert.equal(loads(overridden, { registry })[0].redumped.s, 'deep');
});

test('re-entrant: a callback that grows wasm memory mid-load leaves the rest of the tape readable', () => {
  // The replay reads the records where the scan wrote them, in wasm memory;
  // growing it detaches the old views. A fresh process: its memory is small.
  const script = `
    const { Registry, dumps, loads } = await import('pickle-wasm');
    const { core } = await import(${JSON.stringify(new URL('../dist/esm/wasm.js', import.meta.url).href)});
    class Grower { __setstate__(state) { this.state = state; dumps(new Array(2_000_000).fill(0.5)); } }
    const registry = new Registry().register('m', 'Grower', Grower);
    const value = [1.5, 'before', Object.assign(new Grower(), { s: 1 }), 2.5, 'after', [3, 4], 2n ** 70n, -7];
    const before = core.memory.buffer.byteLength;
    const loaded = loads(dumps(value, { registry }), { registry });
    console.log(JSON.stringify([before, core.memory.buffer.byteLength, loaded, loaded[6].toString()], (k, v) => (typeof v === 'bigint' ? null : v)));`;
  const [before, after, loaded, big] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.ok(after > before, `wasm memory did not grow (${before} bytes)`);
  assert.deepEqual(loaded, [1.5, 'before', { state: { s: 1 } }, 2.5, 'after', [3, 4], null, -7]);
  assert.equal(big, (2n ** 70n).toString());
});

test('re-entrant: a dump inside a dump keeps its own shared strings', () => {
  // The inner dumps write the outer's strings first and at other memo indices;
  // the outer must not take their GETs for its own.
  const words = ['alpha', 'beta', 'gamma', 'delta'];
  const inners = [];
  const value = [...words, { inner: true }, ...words, ...words];
  const registry = new Registry().register('builtins', 'list', Array);
  for (const protocol of [0, 2, 4, 5]) {
    const outer = dumps(value, {
      protocol,
      registry,
      reducerOverride: (obj) => {
        if (obj === null || typeof obj !== 'object' || !('inner' in obj)) return undefined;
        const inner = dumps(['zeta', ...[...words].reverse(), 'zeta'], { protocol });
        inners.push(inner);
        return [Array, []];
      },
    });
    const loaded = loads(outer, { registry });
    assert.deepEqual(loaded.filter((x) => typeof x === 'string'), [...words, ...words, ...words]);
  }
  for (const inner of inners) assert.deepEqual(loads(inner), ['zeta', 'delta', 'gamma', 'beta', 'alpha', 'zeta']);
});

test('re-entrant: interleaved streaming loads do not share state', async () => {
  const a = Buffer.concat([dumps([1, 'a']), dumps({ x: 1 })]);
  const b = Buffer.concat([dumps(['b', 2], { protocol: 0 }), dumps(new Uint8Array([9]))]);
  const chunks = (data) => (async function* () {
    for (let i = 0; i < data.length; i += 3) {
      await null;
      yield data.subarray(i, i + 3);
    }
  })();
  const [left, right] = [loadStream(chunks(a)), loadStream(chunks(b))];
  const got = [];
  for (;;) {
    const [x, y] = await Promise.all([left.next(), right.next()]);
    if (x.done && y.done) break;
    got.push(x.value, y.value);
  }
  assert.deepStrictEqual(got, [[1, 'a'], ['b', 2], { x: 1 }, new Uint8Array([9])]);
});

test('one instance is never used re-entrantly: a clear error instead of trampled state', () => {
  const unpickler = new Unpickler({ persistentLoad: () => unpickler.load(bytes('N.')) });
  assert.throws(() => unpickler.load(bytes('Pid\n.')), /already loading/);
  assert.equal(unpickler.load(bytes('K\x05.')), 5, 'and it still works afterwards');
  const pickler = new Pickler({ persistentId: (v) => (v === 1 ? pickler.dump(2) : undefined) });
  assert.throws(() => pickler.dump([1]), /already dumping/);
  assert.deepEqual(loads(pickler.dump([3])), [3]);
});

test('dumps robustness: throwing getters, Proxies, revoked Proxies, null prototypes', () => {
  const getter = { ok: 1, get bad() { throw new Error('boom'); } };
  assert.throws(() => dumps({ user: getter }), (e) => e instanceof PicklingError && e.message.includes('$.user') && e.cause?.message === 'boom');
  const proxy = new Proxy({ a: 1 }, { get: (target, key) => (key === 'a' ? 2 : target[key]) });
  assert.deepEqual(loads(dumps(proxy)), { a: 2 }, 'a Proxy is written as what it shows');
  // dict values are read by for-in while it shows the object's own keys in order, then each by its key
  const shrinking = { a: 1, get b() { delete this.c; return 2; }, c: 3, d: 4 };
  assert.deepEqual(loads(dumps(shrinking)), { a: 1, b: 2, c: null, d: 4 });
  Object.defineProperty(Object.prototype, 'inherited', { value: 1, enumerable: true, configurable: true });
  try {
    assert.deepEqual(loads(dumps({ a: 1, b: 'x' })), { a: 1, b: 'x' }, 'an enumerable key of the prototype (which for-in shows last) is not the dict\'s');
  } finally {
    delete Object.prototype.inherited;
  }
  let calls = 0;
  const shifty = new Proxy({ a: 1, b: 2 }, { ownKeys: (target) => (++calls === 1 ? ['a', 'b'] : ['b']), getOwnPropertyDescriptor: (target, key) => Reflect.getOwnPropertyDescriptor(target, key) });
  assert.deepEqual(loads(dumps(shifty)), { a: 1, b: 2 });
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.throws(() => dumps([revoked]), PicklingError);
  const bare = Object.assign(Object.create(null), { x: 1 });
  assert.deepEqual(loads(dumps(bare)), { x: 1 }, 'a null-prototype object is a dict');
  assert.throws(() => dumps({ f() {} }), PicklingError);
});

test('a list of numbers followed by a large payload is not sized for that payload (protocol 3: no frames)', { skip: existsSync('/proc/self/status') ? false : 'no /proc/self/status (VmHWM) here' }, () => {
  // The guess of a list's length from the rest of the pickle would take 100 MB
  // of bytes after it for 11M more floats (~90 MB); it is bounded by the items
  // the list has (~12 MB here). Peak RSS of a fresh process, around the load.
  const script = `
    import { readFileSync } from 'node:fs';
    import { dumps, loads } from 'pickle-wasm';
    const peak = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
    const floats = Array.from({ length: 5000 }, (_, i) => i + 0.5);
    const data = dumps([floats, new Uint8Array(100 * 2 ** 20)], { protocol: 3 });
    const before = peak();
    const [list, bytes] = loads(data);
    console.log(JSON.stringify([peak() - before, list.length, list[4999], bytes.length]));`;
  const [grown, length, last, bytes] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.deepEqual([length, last, bytes], [5000, 4999.5, 100 * 2 ** 20]);
  assert.ok(grown < 40, `loading grew the peak RSS by ${grown.toFixed(0)} MiB`);
});
