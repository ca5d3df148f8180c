// The scan's UTF-8 classification, its decoding of short strs (StrUnits) and
// the wasm fold of latin-1 strs, against Node's own UTF-8 decoder: random
// mixes of every sequence length, lengths on both sides of the 8-byte steps
// and of the 64-byte decoding, pairs cut at the 64 KiB window and fold-chunk
// boundaries, more strs than the decoding's area holds, and invalid bytes put
// anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumps, loadStream, loads, UnpicklingError } from 'pickle-wasm';
import { random } from './helpers/random.mjs';

const RANGES = {
  ascii: [0x00, 0x7f],
  latin1: [0x80, 0xff],
  bmp: [0x100, 0xd7ff],
  astral: [0x10000, 0x10ffff],
};

function text(next, length, kinds) {
  let out = '';
  while (out.length < length) {
    const [lo, hi] = RANGES[kinds[Math.floor(next() * kinds.length)]];
    out += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)));
  }
  return out;
}

const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const binunicode = (utf8) => Buffer.concat([Buffer.from([0x58]), u32(utf8.length), utf8]);
const strPickle = (utf8, prefix = 0) =>
  // `prefix` bytes of a BINBYTES before the str move it across the 64 KiB window boundary
  Buffer.concat([Buffer.from([0x80, 0x03, 0x42]), u32(prefix), Buffer.alloc(prefix, 0x61), Buffer.from([0x30]), binunicode(utf8), Buffer.from('.')]);

test('strs of random characters load as Node decodes their UTF-8', () => {
  const next = random(11);
  const mixes = [['ascii'], ['latin1'], ['ascii', 'latin1'], ['ascii', 'bmp'], ['latin1', 'bmp', 'astral'], ['ascii', 'latin1', 'bmp', 'astral']];
  for (const kinds of mixes) {
    for (let length = 0; length < 300; length += 1 + Math.floor(next() * 7)) {
      const value = text(next, length, kinds);
      assert.equal(loads(strPickle(Buffer.from(value, 'utf8'))), value, `${kinds} ${length}`);
    }
  }
});

test('latin-1 strs of every UTF-8 length around where wasm takes over the fold (160 bytes) load as themselves', () => {
  const next = random(15);
  for (let bytes = 140; bytes <= 180; bytes++) {
    for (const kinds of [['latin1'], ['ascii', 'latin1']]) {
      // a str of exactly `bytes` UTF-8 bytes: pairs, then ASCII to make up an odd count
      let value = '';
      while (Buffer.byteLength(value, 'utf8') < bytes - 1) value += text(next, 1, kinds);
      if (Buffer.byteLength(value, 'utf8') < bytes) value += 'x';
      assert.equal(loads(strPickle(Buffer.from(value, 'utf8'))), value, `${kinds} ${bytes}`);
    }
  }
});

/** `value`'s UTF-8 with each lone surrogate encoded as CPython's 'surrogatepass' does (three bytes, ED A0 80 - ED BF BF). */
function surrogatePass(value) {
  const parts = [];
  for (const char of value) {
    const code = char.codePointAt(0);
    if (code >= 0xd800 && code <= 0xdfff) parts.push(Buffer.from([0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]));
    else parts.push(Buffer.from(char, 'utf8'));
  }
  return Buffer.concat(parts);
}

test('strs beyond latin-1 load as themselves on both sides of the short decoder (64 bytes) and of its 4096-unit chunks, lone surrogates too', () => {
  const next = random(16);
  const lone = () => String.fromCharCode(0xd800 + Math.floor(next() * 0x800));
  const lengths = [...Array.from({ length: 40 }, (_, i) => 40 + i), 4094, 4095, 4096, 4097, 8191, 8193];
  for (const units of lengths) {
    for (const kinds of [['ascii', 'bmp'], ['bmp', 'astral'], ['ascii', 'latin1', 'astral']]) {
      for (const withLone of [false, true]) {
        let value = text(next, units, kinds);
        if (withLone) value = value.slice(0, units >> 1) + lone() + value.slice(units >> 1) + lone();
        assert.equal(loads(strPickle(surrogatePass(value))), value, `${kinds}, ${units} units, lone surrogates: ${withLone}`);
      }
    }
  }
});

test('lists of short strs beyond latin-1 load as themselves: more units than the scan decodes for a tape, across windows, streamed in pieces, around a nested load', async () => {
  // The scan decodes strs of up to 64 bytes beyond latin-1 into an area of 131072 units a tape (StrUnits);
  // 30k strs of 15-21 units (~40 bytes each) fill it within a tape of 16384 records, and cross ~20 windows.
  const next = random(17);
  const values = Array.from({ length: 30_000 }, (_, i) => {
    const value = text(next, 15 + (i % 7), ['ascii', 'bmp', 'astral']);
    return i % 50 === 0 ? value.slice(0, 5) + String.fromCharCode(0xdc00 + i % 0x400) + value.slice(5) : value;
  });
  assert.ok(values.every((value) => surrogatePass(value).length <= 64));
  for (const protocol of [2, 5]) {
    const pickle = dumps(values, { protocol });
    assert.deepEqual(loads(pickle), values, `protocol ${protocol}`);
    const pieces = [];
    for (let at = 0; at < pickle.length; at += 1000) pieces.push(pickle.subarray(at, at + 1000));
    for await (const value of loadStream(pieces)) assert.deepEqual(value, values, `protocol ${protocol}, streamed`);
  }
  // a load made while the outer load replays a tape of decoded strs has an area of its own
  const inner = dumps(values.slice(0, 5000));
  const outer = dumps([...values.slice(0, 3000), 'nested', ...values.slice(3000, 6000)], { persistentId: (v) => (v === 'nested' ? 'id' : undefined) });
  const loaded = loads(outer, { persistentLoad: () => loads(inner) });
  assert.deepEqual(loaded[3000], values.slice(0, 5000));
  assert.deepEqual([...loaded.slice(0, 3000), ...loaded.slice(3001)], values.slice(0, 6000));
});

test('long latin-1 strs load whole where a pair straddles a window or fold chunk', () => {
  const next = random(12);
  const body = Buffer.from(text(next, 150_000, ['ascii', 'latin1', 'latin1']), 'utf8');
  for (let prefix = 65_500; prefix < 65_520; prefix++) {
    for (const start of [0, 1]) {
      const utf8 = body.subarray(start);
      const value = loads(strPickle(utf8, prefix));
      assert.equal(value, utf8.toString('utf8'), `prefix ${prefix}, start ${start}`);
    }
  }
});

test('bytes pickled at protocol 2 (_codecs.encode of a latin-1 str) come back byte for byte', () => {
  const next = random(13);
  for (const length of [1, 63, 64, 65, 4096, 65_535, 65_536, 65_537, 200_001]) {
    const raw = Buffer.alloc(length);
    for (let i = 0; i < length; i++) raw[i] = Math.floor(next() * 256);
    const pickle = Buffer.concat([
      Buffer.from('\x80\x02c_codecs\nencode\n', 'latin1'),
      binunicode(Buffer.from(raw.toString('latin1'), 'utf8')),
      binunicode(Buffer.from('latin1')),
      Buffer.from('\x86R.', 'latin1'),
    ]);
    assert.deepEqual(Buffer.from(loads(pickle)), raw, `length ${length}`);
  }
});

test('an invalid byte anywhere in a str is an UnpicklingError', () => {
  const next = random(14);
  const bad = [[0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xc3, 0x41], [0xe0, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff]];
  for (const kinds of [['ascii'], ['latin1'], ['ascii', 'latin1', 'bmp']]) {
    for (let round = 0; round < 60; round++) {
      const valid = Buffer.from(text(next, 1 + Math.floor(next() * 200), kinds), 'utf8');
      // cut only between characters: before a byte that is not a continuation
      let at = Math.floor(next() * (valid.length + 1));
      while (at < valid.length && (valid[at] & 0xc0) === 0x80) at++;
      const inserted = Buffer.from(bad[round % bad.length]);
      const utf8 = Buffer.concat([valid.subarray(0, at), inserted, valid.subarray(at)]);
      assert.throws(() => loads(strPickle(utf8)), (error) => error instanceof UnpicklingError && /UTF-8|utf-8/.test(error.message),
        `${[...inserted].map((b) => b.toString(16))} at ${at} of ${valid.length}`);
    }
  }
});

test('ASCII strs of every length up to 40 load as themselves, every byte value at every position', () => {
  // (strs up to 32 bytes have a maker each: see strings.ts fromBytes)
  for (let length = 0; length <= 40; length++) {
    for (let shift = 0; shift < 128; shift += 37) {
      const value = Array.from({ length }, (_, i) => String.fromCharCode((i * 5 + shift) % 128)).join('');
      assert.equal(loads(strPickle(Buffer.from(value, 'latin1'))), value, `length ${length}`);
    }
  }
});

test('short ASCII strs that share a slot of the string cache load as themselves', () => {
  // 50k distinct strs of 1-32 bytes for 4096 slots: every slot is hit by many, with equal and unequal lengths
  const next = random(99);
  const strs = Array.from({ length: 50_000 }, (_, i) => {
    let s = i.toString(36);
    while (s.length < 1 + Math.floor(next() * 32)) s += String.fromCharCode(0x21 + Math.floor(next() * 94));
    return s;
  });
  for (let round = 0; round < 2; round++) {
    // Protocol 3: BINUNICODE with BINPUT, each str once per pickle; the second round finds the cache full
    assert.deepEqual(loads(dumps(strs, { protocol: 3 })), strs);
  }
});
