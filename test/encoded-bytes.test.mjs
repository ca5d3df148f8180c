// Bytes at protocols 0-2 are `_codecs.encode(str, 'latin1')`: a str, 'latin1',
// a tuple and REDUCE. Where the memo pass shows that nothing fetches the str
// or the tuple again, loads folds the str's UTF-8 straight into the bytes and
// never makes the str (Unpickler's onlyEncodedToLatin1). These check that the
// values are CPython's whichever way they are made, and that the str is made
// whenever something else can see it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Registry, Tuple, Unpickler, loadStream, loads, registry } from 'pickle-wasm';
import { needsPython, runPythonCode } from './helpers/python.mjs';

// Bytes of every kind of content and size around the threshold (256), shared
// ones, and enough of them that some fall at the end of a tape (16384 records).
const PYTHON = `
import pickle, sys, json, base64, random
rng = random.Random(7)
def make(size, kind):
    if kind == 'ascii': return bytes(rng.randrange(128) for _ in range(size))
    if kind == 'high': return bytes(rng.randrange(128, 256) for _ in range(size))
    return bytes(rng.randrange(256) for _ in range(size))
values = [make(size, kind) for size in (0, 1, 255, 256, 257, 4096, 70000) for kind in ('ascii', 'high', 'random')]
values += [make(300, 'random') for _ in range(2500)]
shared = make(1000, 'random')
value = [values, shared, (shared, 'tail')]
out = [{'protocol': p, 'pickle': base64.b64encode(pickle.dumps(value, p)).decode()} for p in (0, 1, 2)]
print(json.dumps({'pickles': out, 'values': [base64.b64encode(v).decode() for v in values], 'shared': base64.b64encode(shared).decode()}))
`;

test('bytes at protocols 0-2 load as CPython wrote them: any content, sizes around the threshold, shared, across tapes', { skip: needsPython }, async () => {
  const { pickles, values, shared } = JSON.parse(runPythonCode(PYTHON).toString());
  const expected = values.map((v) => new Uint8Array(Buffer.from(v, 'base64')));
  for (const { protocol, pickle } of pickles) {
    const data = Buffer.from(pickle, 'base64');
    const [loaded, sharedLoaded, pair] = loads(data);
    assert.equal(loaded.length, expected.length);
    for (const [i, bytes] of loaded.entries()) {
      assert.ok(bytes instanceof Uint8Array, `protocol ${protocol}, value ${i}: ${typeof bytes}`);
      assert.deepEqual(new Uint8Array(bytes), expected[i], `protocol ${protocol}, value ${i}`);
    }
    assert.deepEqual(new Uint8Array(sharedLoaded), new Uint8Array(Buffer.from(shared, 'base64')));
    assert.equal(pair[0], sharedLoaded, `protocol ${protocol}: one bytes object, fetched again`);
    // the same values when the pickle streams in (no memo pass: the strs are made)
    const chunks = [];
    for (let at = 0; at < data.length; at += 50000) chunks.push(data.subarray(at, at + 50000));
    const streamed = [];
    for await (const value of loadStream(chunks)) streamed.push(value);
    assert.deepEqual(streamed, [[loaded, sharedLoaded, pair]]);
  }
});

// A protocol 2 pickle of `_codecs.encode(text, 'latin1')`, with the memo stores
// after the str, 'latin1' and the tuple given by the caller, and `tail` (more
// opcodes on the stack after REDUCE) before STOP.
const TEXT = 'é'.repeat(30000) + 'abc'.repeat(5000); // 75 kB of UTF-8: the memo pass runs
function encodePickle({ str = '', latin1 = '', tuple = '', tail = '', encoding = 'latin1' } = {}) {
  const utf8 = Buffer.from(TEXT, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(utf8.length);
  const enc = Buffer.from(encoding);
  const encLength = Buffer.alloc(4);
  encLength.writeUInt32LE(enc.length);
  const bin = (text) => Buffer.from(text, 'latin1');
  return Buffer.concat([bin('\x80\x02c_codecs\nencode\nX'), length, utf8, bin(str + 'X'), encLength, enc, bin(latin1 + '\x86' + tuple + 'R' + tail + '.')]);
}
const TEXT_BYTES = new Uint8Array(Buffer.from(TEXT, 'latin1'));

test('the str of _codecs.encode is made when a GET can fetch it, or the tuple holding it', () => {
  assert.deepEqual(new Uint8Array(loads(encodePickle())), TEXT_BYTES, 'no memo stores');
  assert.deepEqual(new Uint8Array(loads(encodePickle({ str: 'q\x00', latin1: 'q\x01', tuple: 'q\x02', tail: 'q\x03' }))), TEXT_BYTES, 'stored, never fetched');
  // the str fetched again after the call (stores numbered from 0, in order: else the memo pass gives up)
  const [bytes, str] = loads(encodePickle({ str: 'q\x00', tail: 'h\x00\x86' }));
  assert.deepEqual(new Uint8Array(bytes), TEXT_BYTES);
  assert.equal(str, TEXT);
  // the tuple fetched again (MEMOIZE, as protocol 4 numbers stores)
  const [bytes2, args] = loads(encodePickle({ str: '\x94', latin1: '\x94', tuple: '\x94', tail: 'h\x02\x86' }));
  assert.deepEqual(new Uint8Array(bytes2), TEXT_BYTES);
  assert.ok(args instanceof Tuple);
  assert.deepEqual([...args], [TEXT, 'latin1']);
  // 'latin1' stored twice at one index (the memo pass gives up: stores out of order), the tuple fetched
  const [bytes3, args3, latin1] = loads(encodePickle({ latin1: 'q\x00q\x00', tuple: '\x94', tail: 'h\x01h\x00\x87' }));
  assert.deepEqual(new Uint8Array(bytes3), TEXT_BYTES);
  assert.deepEqual([...args3], [TEXT, 'latin1']);
  assert.equal(latin1, 'latin1');
});

test('the str of _codecs.encode is made for another encoding, or another callable under that name', () => {
  assert.deepEqual(new Uint8Array(loads(encodePickle({ encoding: 'utf-8' }))), new Uint8Array(Buffer.from(TEXT, 'utf8')));
  let given;
  const own = new Registry();
  own.register('_codecs', 'encode', (text, encoding) => ((given = [text, encoding]), 'called'));
  assert.equal(loads(encodePickle(), { registry: own }), 'called');
  assert.deepEqual(given, [TEXT, 'latin1']);
  class Spy extends Unpickler {
    findClass(module, name) {
      const found = super.findClass(module, name);
      return module === '_codecs' ? (text, encoding) => found(text, encoding).length : found;
    }
  }
  assert.equal(new Spy().load(encodePickle()), TEXT_BYTES.length);
  assert.ok(registry.lookup('_codecs', 'encode'), 'the default registry still has it');
});

test('ASCII bytes at protocol 2 load as a view of the input (a copy with copy: true), others as an array of their own', () => {
  const ascii = Buffer.from('x'.repeat(70000));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(ascii.length);
  const data = Buffer.concat([Buffer.from('\x80\x02c_codecs\nencode\nX', 'latin1'), length, ascii, Buffer.from('X\x06\x00\x00\x00latin1\x86R.', 'latin1')]);
  const view = loads(data);
  assert.equal(view.buffer, data.buffer);
  assert.deepEqual(new Uint8Array(view), new Uint8Array(ascii));
  const copy = loads(data, { copy: true });
  assert.notEqual(copy.buffer, data.buffer);
  assert.deepEqual(new Uint8Array(copy), new Uint8Array(ascii));
  const folded = loads(encodePickle());
  assert.equal(folded.byteLength, folded.buffer.byteLength, 'exactly its bytes');
});

test('loading 32 MiB of bytes at protocol 2 takes about 32 MiB more, not a str and its encoding too', { skip: existsSync('/proc/self/status') ? false : 'no /proc/self/status (VmHWM) here' }, () => {
  // Peak RSS of a fresh process around the load; making the str first took ~64 MiB more.
  const script = `
    import { readFileSync } from 'node:fs';
    import { dumps, loads } from 'pickle-wasm';
    const peak = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
    const raw = new Uint8Array(32 * 2 ** 20);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
    const data = dumps(raw, { protocol: 2 });
    const before = peak();
    const bytes = loads(data);
    console.log(JSON.stringify([peak() - before, bytes.length, bytes[12345] === raw[12345] && bytes[raw.length - 1] === raw[raw.length - 1]]));`;
  const [grown, length, same] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.deepEqual([length, same], [32 * 2 ** 20, true]);
  assert.ok(grown < 48, `loading grew the peak RSS by ${grown.toFixed(0)} MiB`);
});
