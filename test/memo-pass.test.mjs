// The pass before the scan of a large pickle read whole (assembly/memoScan.ts):
// it must find exactly the memo indices the pickle GETs, or say it cannot
// (null: every store is kept), and loading must give the same values either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loadAll, loadStream, loads, UnpicklingError } from 'pickle-wasm';
import { random } from './helpers/random.mjs';
import { ScanSession } from '../dist/esm/session.js';
import { needsPython, runPythonCode } from './helpers/python.mjs';

/** The bitmap's marked indices. */
function markedIndices(bitmap) {
  const indices = [];
  for (let i = 0; i < bitmap.length * 8; i++) if (bitmap[i >>> 3] & (1 << (i & 7))) indices.push(i);
  return indices;
}

function referencedMemo(data) {
  const session = ScanSession.acquire();
  try {
    return session.referencedMemo(data, 0);
  } finally {
    session.release(true);
  }
}

// Shared objects (a dict, a str, a tuple) referenced all through ~200 KiB, so
// that GETs fall in every 64 KiB window; protocol 0 writes them as text lines.
const PYTHON = `
import pickle, pickletools, sys, json, base64
shared = {'k': [1, 2]}
s = 'shared-' + 'str'
pair = (s, 7)
value = [(str(i), 'x' * (i % 50 + 1), s) if i % 10 else (str(i), shared, pair, {'a': i, 'b': shared}) for i in range(6000)]
out = []
for protocol in range(6):
    data = pickle.dumps(value, protocol)
    gets = sorted({int(arg) for op, arg, pos in pickletools.genops(data) if op.name in ('GET', 'BINGET', 'LONG_BINGET')})
    out.append({'protocol': protocol, 'pickle': base64.b64encode(data).decode(), 'gets': gets})
print(json.dumps(out))
`;

test('the memo pass finds every index CPython pickles GET, at protocols 0-5, and loads keep the sharing', { skip: needsPython }, () => {
  for (const { protocol, pickle, gets } of JSON.parse(runPythonCode(PYTHON).toString())) {
    const data = Buffer.from(pickle, 'base64');
    assert.ok(data.length > 2 * 64 * 1024, `protocol ${protocol}: ${data.length} bytes`);
    const bitmap = referencedMemo(data);
    assert.ok(bitmap !== null, `protocol ${protocol}: the pass gave up`);
    assert.deepEqual(markedIndices(bitmap), gets, `protocol ${protocol}`);
    const value = loads(data);
    assert.equal(value.length, 6000);
    for (const [i, row] of value.entries()) {
      assert.equal(row[0], String(i));
      if (i % 10) {
        assert.equal(row[1], 'x'.repeat(i % 50 + 1));
        assert.equal(row[2], 'shared-str');
      } else {
        assert.equal(row[1], value[0][1], `protocol ${protocol}: row ${i} has a dict of its own`);
        assert.equal(row[2], value[0][2], `protocol ${protocol}: row ${i} has a tuple of its own`);
        assert.equal(row[3].a, i);
        assert.equal(row[3].b, value[0][1]);
      }
    }
    assert.deepEqual(value[0][1], { k: [1, 2] });
    assert.deepEqual([...value[0][2]], ['shared-str', 7]);
  }
});

/** A protocol 2 list holding a 100 KB str and then itself, memoized at `index` (BINPUT) and fetched back (BINGET). */
function selfReferencing(index) {
  const text = 'y'.repeat(100_000);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(text.length);
  return Buffer.concat([Buffer.from([0x80, 2, 0x5d, 0x71, index, 0x28, 0x58]), length, Buffer.from(text), Buffer.from([0x68, index, 0x65, 0x2e])]);
}

test('the memo pass gives up on stores out of order; the load keeps every store then', () => {
  assert.deepEqual(markedIndices(referencedMemo(selfReferencing(0))), [0]);
  assert.equal(referencedMemo(selfReferencing(7)), null);
  for (const index of [0, 7]) {
    const value = loads(selfReferencing(index));
    assert.equal(value.length, 2);
    assert.equal(value[0].length, 100_000);
    assert.equal(value[1], value);
  }
});

test('the memo pass gives up on input it cannot read; the scan then reports it', () => {
  const data = dumps(Array.from({ length: 20_000 }, (_, i) => `item ${i}`));
  assert.ok(data.length > 64 * 1024);
  assert.ok(referencedMemo(data) !== null);
  const truncated = data.subarray(0, data.length - 1000);
  assert.equal(referencedMemo(truncated), null);
  assert.throws(() => loads(truncated), (e) => e instanceof UnpicklingError && /truncated/.test(e.message));
  const unknown = Buffer.from(data);
  assert.equal(unknown[data.length - 2], 0x65); // the last APPENDS, before STOP
  unknown[data.length - 2] = 0xff;
  assert.equal(referencedMemo(unknown), null);
  assert.throws(() => loads(unknown), (e) => e instanceof UnpicklingError && /invalid load key/.test(e.message));
});

test('the memo pass leaves alone a pickle with few memo stores (it would cost more than they do)', () => {
  assert.equal(referencedMemo(dumps(Array.from({ length: 20_000 }, (_, i) => i + 0.5))), null);
});

test('stores the pass lets the replay skip still count against maxMemo', () => {
  const data = dumps(Array.from({ length: 20_000 }, (_, i) => `item ${i}`)); // each str memoized, none fetched
  assert.deepEqual(markedIndices(referencedMemo(data)), []);
  assert.throws(() => loads(data, { maxMemo: 1000 }), /maxMemo \(1000\)/);
  assert.equal(loads(data).length, 20_000);
});

/** The outcome of loading: the value, or why it failed (a stream's errors carry no location: compared without). */
function outcome(load) {
  try {
    return { value: load() };
  } catch (error) {
    return { error: String(error?.reason ?? error?.message) };
  }
}

async function streamOutcome(data) {
  try {
    for await (const value of loadStream([data])) return { value };
    return { error: 'no pickle' };
  } catch (error) {
    return { error: String(error?.reason ?? error?.message) };
  }
}

const MUTATION_SEED = Number(process.env.PROPERTY_SEED ?? 7);

test(`damaged large pickles load the same with the memo pass (loads) as without it (a stream) (seed ${MUTATION_SEED})`, async () => {
  const rand = random(MUTATION_SEED);
  const shared = { k: [1, 2] };
  const value = Array.from({ length: 6000 }, (_, i) => (i % 10 ? [String(i), `row ${i}`] : [String(i), shared, { a: i, b: shared }]));
  for (const protocol of [0, 2, 5]) {
    const data = dumps(value, { protocol });
    assert.ok(data.length > 64 * 1024);
    assert.ok(referencedMemo(data) !== null, `protocol ${protocol}: the pass gave up`);
    for (let n = 0; n < 60; n++) {
      const damaged = Buffer.from(data);
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) damaged[Math.floor(rand() * damaged.length)] = Math.floor(rand() * 256);
      const whole = outcome(() => loads(damaged));
      const streamed = await streamOutcome(damaged);
      const where = `protocol ${protocol}, mutant ${n}: ${JSON.stringify(whole.error)} / ${JSON.stringify(streamed.error)}`;
      // Both fail or neither; the reason may differ where a stream, not yet at its end, meets another fault first
      // (a length past the end: "truncated" whole, "invalid UTF-8" streamed) — but never for the memo.
      assert.equal('value' in whole, 'value' in streamed, where);
      if ('value' in whole) assert.deepEqual(whole.value, streamed.value, where);
      else assert.equal(/memo/.test(whole.error), /memo/.test(streamed.error), where);
    }
  }
});

test('many pickles in one large buffer (loadAll): small ones and a large one each read from their offset', () => {
  const shared = { k: 1 };
  const large = Array.from({ length: 6000 }, (_, i) => (i % 10 ? [String(i), `row ${i}`] : [String(i), shared, shared]));
  const values = [];
  for (let i = 0; i < 3000; i++) values.push(i === 1500 ? large : [i, `s${i}`, `s${i}`, { twice: shared, again: shared }]);
  const buffer = Buffer.concat(values.map((v, i) => dumps(v, { protocol: i % 6 })));
  assert.ok(buffer.length > 4 * 64 * 1024);
  const loaded = [...loadAll(buffer)];
  assert.equal(loaded.length, values.length);
  for (const [i, v] of loaded.entries()) {
    if (i === 1500) {
      assert.equal(v[10][1], v[10][2]);
      assert.deepEqual(v, large);
    } else {
      assert.deepEqual(v, values[i]);
      assert.equal(v[3].twice, v[3].again);
    }
  }
});
