// numpy arrays without numpy: fixtures numpy wrote load as NDArray with the
// matching TypedArray; NDArray dumps to pickles numpy loads (live, with numpy).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Complex, NDArray, dumps, loads } from 'pickle-wasm';
import { needsNumpy, numpyPython, runPythonCode } from './helpers/python.mjs';

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/numpy.json', import.meta.url), 'utf8'));

const VIEWS = {
  '<f8': Float64Array, '<f4': Float32Array, '<i8': BigInt64Array, '<u8': BigUint64Array, '<i4': Int32Array, '<u4': Uint32Array,
  '<i2': Int16Array, '<u2': Uint16Array, '|i1': Int8Array, '|u1': Uint8Array, '|b1': Uint8Array,
};

/** A fixture number: decimal ints exactly (bigint beyond 2^53), floats by Number. */
function number(text) {
  if (!/^-?\d+$/.test(text)) return Number(text);
  return Number.isSafeInteger(Number(text)) ? Number(text) : BigInt(text);
}

function expectedItem(x, dtype) {
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (dtype.endsWith('8') && /^<[iu]/.test(dtype)) return BigInt(x);
  return Number(x);
}

test(`numpy ${fixtures.numpy} fixtures: arrays load as NDArray with the matching TypedArray, scalars as numbers`, () => {
  for (const c of fixtures.cases) {
    const where = `${c.name} at protocol ${c.protocol}`;
    const value = loads(Buffer.from(c.pickle, 'base64'));
    if ('scalar' in c) {
      const expected = Array.isArray(c.scalar) ? new Complex(Number(c.scalar[0]), Number(c.scalar[1])) : typeof c.scalar === 'boolean' ? c.scalar : number(c.scalar);
      assert.deepEqual(value, expected, where);
      continue;
    }
    assert.ok(value instanceof NDArray, where);
    assert.equal(value.dtype, c.dtype, where);
    assert.deepEqual(value.shape, c.shape, where);
    assert.equal(value.order, c.order, where);
    const View = VIEWS[c.dtype];
    if (View) {
      assert.ok(value.data instanceof View, `${where}: ${value.data.constructor.name}`);
      assert.deepEqual(Array.from(value.data), c.data.map((x) => expectedItem(x, c.dtype)), where);
    } else {
      assert.ok(value.data instanceof Uint8Array, `${where}: raw bytes where JS has no view`);
    }
  }
});

test('numpy data is a zero-copy view of the pickle when aligned', () => {
  const c = fixtures.cases.find((x) => x.name === 'float64 vector' && x.protocol === 4);
  const bytes = Buffer.from(c.pickle, 'base64');
  for (let shift = 0; shift < 8; shift++) {
    const buffer = new ArrayBuffer(bytes.length + 8);
    const input = new Uint8Array(buffer, shift, bytes.length);
    input.set(bytes);
    const array = loads(input);
    const aligned = (shift + bytes.indexOf(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]))) % 8 === 0;
    if (array.data.buffer === buffer) assert.equal(array.data.byteOffset % 8, 0);
    if (aligned) assert.equal(array.data.buffer, buffer, `shift ${shift}`);
    assert.deepEqual(Array.from(array.data), c.data.map(Number));
  }
});

const CHECK = `import numpy as np, pickle, sys, json, base64
for case in json.loads(sys.stdin.read()):
    buffers = [base64.b64decode(b) for b in case['buffers']]
    a = pickle.loads(base64.b64decode(case['pickle']), buffers=buffers or None)
    expected = np.array(case['values'], dtype=case['dtype']).reshape(case['shape'], order=case['order'])
    assert isinstance(a, np.ndarray), type(a)
    assert a.dtype.str == case['dtype'], (a.dtype.str, case['dtype'])
    assert a.shape == tuple(case['shape']), a.shape
    assert np.array_equal(a, expected), (a, expected)
print('ok')`;

test('NDArray dumps to pickles numpy loads, in band at protocols 2-5 and out of band at 5', { skip: needsNumpy }, () => {
  const arrays = [
    [new NDArray('<f8', [2, 2], Float64Array.of(1.5, 2, 3, 4)), [1.5, 2, 3, 4]],
    [new NDArray('<i4', [3], Int32Array.of(-1, 0, 7)), [-1, 0, 7]],
    [new NDArray('<i8', [2], BigInt64Array.of(2n ** 62n, -5n)), ['4611686018427387904', '-5']],
    [new NDArray('|u1', [2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6), 'F'), [1, 2, 3, 4, 5, 6]],
    [new NDArray('<f4', [0], new Float32Array(0)), []],
  ];
  const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const describe = ([a, values], pickle, buffers = []) => ({
    pickle: b64(pickle), buffers: buffers.map(b64), dtype: a.dtype, shape: a.shape, order: a.order,
    // numpy's reshape(order=) reads values in that order: give them in memory order as they are.
    values, // int64 values as decimal strings, which numpy parses exactly
  });
  const inBand = [2, 3, 4, 5].flatMap((protocol) => arrays.map((entry) => describe(entry, dumps(entry[0], { protocol }))));
  assert.equal(runPythonCode(CHECK, { input: JSON.stringify(inBand), command: numpyPython }).toString().trim(), 'ok');
  const outOfBand = arrays.map((entry) => {
    const buffers = [];
    const pickle = dumps(entry[0], { protocol: 5, bufferCallback: (b) => void buffers.push(b.data) });
    assert.equal(buffers.length, 1);
    return describe(entry, pickle, buffers);
  });
  assert.equal(runPythonCode(CHECK, { input: JSON.stringify(outOfBand), command: numpyPython }).toString().trim(), 'ok');
});

test('NDArray round-trips through loads(dumps(a)) at every protocol', () => {
  const a = new NDArray('<f8', [3], Float64Array.of(1, 2, 3));
  for (let protocol = 0; protocol <= 5; protocol++) {
    const back = loads(dumps(a, { protocol }));
    assert.deepEqual([back.dtype, back.shape, back.order, Array.from(back.data)], ['<f8', [3], 'C', [1, 2, 3]], `protocol ${protocol}`);
  }
});

test("pickles of every numpy on this machine (numpy 1's numpy.core, numpy 2's numpy._core names) load", { skip: needsNumpy }, () => {
  const code = `import numpy as np, pickle, sys
sys.stdout.write(np.__version__ + '\\n')
sys.stdout.buffer.write(pickle.dumps([np.arange(6, dtype='<i8').reshape(2, 3), np.float32(0.5), np.asfortranarray(np.ones((2, 2)))], protocol=int(sys.argv[1]) if len(sys.argv) > 1 else 4))`;
  for (const command of new Set(['python3', '/usr/bin/python3', numpyPython])) {
    let out;
    try {
      out = runPythonCode(code, { command });
    } catch {
      continue; // this python3 has no numpy
    }
    const newline = out.indexOf(10);
    const version = out.subarray(0, newline).toString();
    const [ints, half, ones] = loads(out.subarray(newline + 1));
    assert.deepEqual([ints.dtype, ints.shape, Array.from(ints.data)], ['<i8', [2, 3], [0n, 1n, 2n, 3n, 4n, 5n]], `numpy ${version}`);
    assert.equal(half, 0.5);
    assert.deepEqual([ones.order, Array.from(ones.data)], ['F', [1, 1, 1, 1]]);
  }
});
