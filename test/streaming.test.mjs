// Many pickles one after another: loadAll, Unpickler.position, loadStream split
// at every byte boundary (Node Readable, web ReadableStream, async iterables),
// and dumpTo into Node and web streams.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { Unpickler, UnpicklingError, dumps, dumpTo, loadAll, loadStream, loads } from 'pickle-wasm';

const corpus = JSON.parse(readFileSync(new URL('./fixtures/corpus.json', import.meta.url), 'utf8'));
const small = corpus.cases.map((c) => Buffer.from(c.pickle, 'base64')).filter((p) => p.length < 400).slice(0, 25);
const concat = (parts) => Buffer.concat(parts);

async function collect(iterable) {
  const out = [];
  for await (const value of iterable) out.push(value);
  return out;
}

test('loadAll reads every pickle of a buffer, as repeated pickle.load(f) does', () => {
  const values = [1, 'two', [3], { four: 4 }, null, new Uint8Array([5])];
  const joined = concat(values.map((v, i) => dumps(v, { protocol: i % 6 })));
  assert.deepEqual([...loadAll(joined)], values);
  assert.deepEqual([...loadAll(new Uint8Array(0))], []);
  assert.throws(() => [...loadAll(joined.subarray(0, joined.length - 1))], UnpicklingError);
});

test('Unpickler.load(data, offset) and position say where each pickle ended', () => {
  const a = dumps([1, 2]);
  const b = dumps('x', { protocol: 0 });
  const data = concat([a, b]);
  const unpickler = new Unpickler();
  assert.deepEqual(unpickler.load(data), [1, 2]);
  assert.equal(unpickler.position, a.length);
  assert.equal(unpickler.load(data, unpickler.position), 'x');
  assert.equal(unpickler.position, data.length);
});

test('loadStream: the corpus split at every byte boundary gives the same values', async () => {
  const stream = concat(small);
  const expected = small.map((p) => loads(p));
  for (let cut = 0; cut <= stream.length; cut += 1) {
    const values = await collect(loadStream([stream.subarray(0, cut), stream.subarray(cut)]));
    assert.deepStrictEqual(values, expected, `cut at ${cut}`);
  }
});

test('loadStream: one byte at a time, large values across chunks, bytes views stay intact', async () => {
  const big = {
    text: 'é'.repeat(100_000), bytes: new Uint8Array(300_000).map((_, i) => i & 0xff), list: Array.from({ length: 20_000 }, (_, i) => i),
    // a list of doubles sized from the input at hand, a list of strs whose batches are kept apart
    floats: Array.from({ length: 5000 }, (_, i) => i + 0.5), strs: Array.from({ length: 5000 }, (_, i) => `s${i}`),
  };
  const parts = [dumps(big), dumps('after', { protocol: 2 }), dumps([big.bytes.subarray(0, 10)], { protocol: 3 })];
  const stream = concat(parts);
  const oneByte = await collect(loadStream((function* () {
    for (let i = 0; i < stream.length; i++) yield stream.subarray(i, i + 1);
  })()));
  assert.deepStrictEqual(oneByte, parts.map((p) => loads(p)));
  const chunks = [];
  for (let i = 0; i < stream.length; i += 7919) chunks.push(stream.subarray(i, i + 7919));
  const values = await collect(loadStream(chunks));
  assert.deepStrictEqual(values[0].bytes, big.bytes, 'views of the stream buffer are never overwritten by later chunks');
});

test('loadStream reads Node Readables and web ReadableStreams', async () => {
  const stream = concat(small);
  const expected = small.map((p) => loads(p));
  assert.deepStrictEqual(await collect(loadStream(Readable.from([stream.subarray(0, 100), stream.subarray(100)]))), expected);
  const web = new ReadableStream({
    start(controller) {
      controller.enqueue(stream.subarray(0, 50));
      controller.enqueue(stream.subarray(50));
      controller.close();
    },
  });
  assert.deepStrictEqual(await collect(loadStream(web)), expected);
});

test('loadStream: a stream that ends inside a pickle, or holds bad bytes, is an UnpicklingError', async () => {
  const p = dumps({ a: [1, 2, 3] });
  await assert.rejects(collect(loadStream([p.subarray(0, p.length - 1)])), UnpicklingError);
  await assert.rejects(collect(loadStream([p, Buffer.from([0xff])])), UnpicklingError);
  const values = [];
  await assert.rejects(async () => {
    for await (const v of loadStream([p, Buffer.from('N')])) values.push(v);
  }, UnpicklingError);
  assert.deepEqual(values, [{ a: [1, 2, 3] }], 'the pickles before the bad one were given');
});

test('dumpTo writes to a Node Writable and a web WritableStream', async () => {
  const value = { list: Array.from({ length: 100_000 }, (_, i) => `s${i}`) };
  const expected = dumps(value);
  const received = [];
  const node = new Writable({
    highWaterMark: 1024,
    write(chunk, _encoding, callback) {
      received.push(chunk);
      setImmediate(callback);
    },
  });
  await dumpTo(node, value);
  assert.deepEqual(Buffer.concat(received), Buffer.from(expected));
  const webChunks = [];
  await dumpTo(new WritableStream({ write: (chunk) => void webChunks.push(chunk) }), value, { protocol: 5 });
  assert.deepEqual(Buffer.concat(webChunks), Buffer.from(expected));
});

test('out-of-band buffers: successive pickles of one Unpickler take successive buffers, as in Python', () => {
  const a = new Uint8Array([1]);
  const b = new Uint8Array([2]);
  const buffers = [];
  const callback = (buffer) => void buffers.push(buffer.data);
  const joined = Buffer.concat([dumps([a], { protocol: 5, bufferCallback: callback, outOfBandThreshold: 0 }), dumps([b], { protocol: 5, bufferCallback: callback, outOfBandThreshold: 0 })]);
  const values = [...loadAll(joined, { buffers })];
  assert.equal(values[0][0], a);
  assert.equal(values[1][0], b);
});
