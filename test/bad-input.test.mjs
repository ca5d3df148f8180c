// Bad input of every kind gives an UnpicklingError that names the opcode and
// the byte offset — never a TypeError, a RangeError or a wrong value.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loads, UnpicklingError } from 'pickle-wasm';

const bytes = (text) => Buffer.from(text, 'latin1');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b.toString('latin1'); };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b.toString('latin1'); };

const BAD = {
  'empty input': '',
  'no STOP': 'N',
  'APPEND on an empty stack': ']a.',
  'STOP on an empty stack': '.',
  'TUPLE without MARK': 'K\x01t.',
  'STOP just after MARK': 'K\x01(.',
  'APPEND below the MARK': ']K\x01(a.',
  'TUPLE1 on an empty stack': '\x80\x02\x85.',
  'TUPLE2 of one item': '\x80\x02K\x01\x86.',
  'TUPLE3 of two items': '\x80\x02K\x01K\x02\x87.',
  'TUPLE2 of items below the MARK': '\x80\x02K\x01(K\x02\x86.',
  'APPENDS without MARK': ']e.',
  'SETITEMS without MARK': '}u.',
  'POP_MARK without MARK': '1.',
  'BINGET of a missing memo entry': 'h\x05.',
  'GET of a missing memo entry': 'g5\n.',
  'LONG_BINGET 2^32-1': 'j\xff\xff\xff\xff.',
  'PUT on an empty stack': 'q\x00.',
  'GET with a negative index': 'g-1\n.',
  'GET with a non-number': 'gx\n.',
  'STRING without quotes': 'Sabc\n.',
  'STRING with an open quote': "S'abc\n.",
  'STRING of one quote': "S'\n.",
  'STRING with mismatched quotes': 'S"abc\'\n.',
  'STRING with a bad \\x escape': "S'\\x4'\n.",
  'STRING ending in a backslash': "S'abc\\'\n.",
  'UNICODE with a truncated \\u': 'V\\u12\n.',
  'UNICODE with \\U beyond U+10FFFF': 'V\\U00110000\n.',
  'BINUNICODE longer than the input': 'X\xff\xff\x00\x00abc.',
  'BINBYTES longer than the input': 'B\x10\x00\x00\x00ab.',
  'BINBYTES8 of 2^40 bytes': `\x8e${u64(2 ** 40)}x.`,
  'BINBYTES8 of 2^64-1 bytes': `\x8e${u64(2n ** 64n - 1n)}x.`,
  'BINUNICODE8 of 2^63 bytes': `\x8d${u64(2n ** 63n)}x.`,
  'BYTEARRAY8 longer than the input': `\x96${u64(100)}x.`,
  'BINSTRING with a negative length': 'T\xff\xff\xff\xff.',
  'LONG4 with a negative length': '\x8b\xff\xff\xff\xff.',
  'LONG1 longer than the input': '\x8a\x09\x01.',
  'FRAME longer than the input': `\x80\x04\x95${u64(1000)}N.`,
  'unknown opcode 0x00': '\x00',
  'unknown opcode 0xff': 'N\xff.',
  'unknown opcode A': 'A.',
  'PROTO 6': '\x80\x06N.',
  'PROTO 255': '\x80\xffN.',
  'invalid UTF-8 in BINUNICODE': `X${u32(2)}\xc3\x28.`,
  'invalid UTF-8 byte in SHORT_BINUNICODE': '\x8c\x01\xff.',
  'overlong UTF-8': '\x8c\x02\xc0\x80.',
  'UTF-8 beyond U+10FFFF': '\x8c\x04\xf4\x90\x80\x80.',
  'UTF-8 cut by the end of the str': '\x8c\x02a\xe2.',
  'INT with letters': 'I12a\n.',
  'INT without digits': 'I\n.',
  'LONG with two Ls': 'L12LL\n.',
  'FLOAT with two points': 'F1.2.3\n.',
  'FLOAT of letters': 'Fabc\n.',
  'FLOAT with an empty exponent': 'F1e\n.',
  'INT line without newline': 'I12',
  'GLOBAL without the name line': 'cbuiltins\nset',
  'STACK_GLOBAL of ints': '\x80\x04K\x01K\x02\x93.',
  'an unregistered global': 'cos\nsystem\n.',
  'builtins.eval': 'cbuiltins\neval\n.',
  'a global named by inherited JS properties': 'c__proto__\nconstructor\n.',
  'a global name that is not UTF-8': 'c\xff\nx\n.',
  'DICT of an odd number of items': '(K\x01d.',
  'SETITEMS of an odd number of items': '}(K\x01u.',
  'REDUCE with non-tuple arguments': 'c__builtin__\nset\nK\x01R.',
  'REDUCE of a non-callable': 'K\x01)R.',
  'NEWOBJ of a non-class': '\x80\x02K\x01)\x81.',
  'NEWOBJ with non-tuple arguments': '\x80\x02c__builtin__\nobject\nK\x01\x81.',
  'OBJ without a class': '(o.',
  'BUILD on a list': ']}b.',
  'BUILD on a registered function': 'c__builtin__\nset\n}b.',
  'SETITEM on a list': ']K\x01K\x02s.',
  'APPEND to a tuple': ')K\x01a.',
  'ADDITEMS to a frozenset': '(\x91(K\x01\x90.',
  'EXT with code 0': '\x82\x00.',
  'EXT4 with a negative code': '\x84\xff\xff\xff\xff.',
  'set() of an int': 'c__builtin__\nset\n(K\x05tR.',
  '_codecs.encode of a non-latin-1 str': 'c_codecs\nencode\n(V\\u20ac\nVlatin1\ntR.',
  '_codecs.encode with an unknown encoding': 'c_codecs\nencode\n(Vx\nVrot13\ntR.',
  'bytes() of out-of-range ints': 'c__builtin__\nbytes\n((lK\x01aM\x00\x01atR.',
  'an int of 5000 digits': `L${'9'.repeat(5000)}\n.`,
  'PERSID without persistentLoad': 'Pid\n.',
  'NEXT_BUFFER without buffers': '\x80\x05\x97.',
  'copyreg._reconstructor with an unsupported base': 'ccopy_reg\n_reconstructor\n(c__builtin__\nobject\nc__builtin__\nset\nNtR.',
};

function isLocatedUnpicklingError(error) {
  return error instanceof UnpicklingError && / at byte \d+: ./.test(error.message) && typeof error.offset === 'number';
}

for (const [name, text] of Object.entries(BAD)) {
  test(`bad input: ${name}`, () => {
    assert.throws(() => loads(bytes(text)), isLocatedUnpicklingError);
  });
}

test('bad input: non-ASCII PERSID', () => {
  assert.throws(() => loads(bytes('P\xe9\n.'), { persistentLoad: (x) => x }), isLocatedUnpicklingError);
});

test('bad input: more MARKs than maxDepth', () => {
  assert.throws(() => loads(bytes('('.repeat(11) + '.'), { maxDepth: 10 }), (e) => isLocatedUnpicklingError(e) && /maxDepth/.test(e.message));
  assert.throws(() => loads(bytes('('.repeat(100_001))), /maxDepth/);
});

test('bad input: errors name the opcode and the offset', () => {
  assert.throws(() => loads(bytes('\x80\x02]h\x07.')), { message: 'BINGET at byte 3: memo value not found at index 7' });
  assert.throws(() => loads(bytes('\x80\x02N\x00')), { message: "opcode 0x00 at byte 3: invalid load key, '\\x00'" });
  assert.throws(() => loads(bytes('\x80\x02X\x05\x00\x00\x00ab')), { message: 'BINUNICODE at byte 2: pickle data was truncated' });
});

test('bad input: errors from the built-in stand-ins are located at the REDUCE', () => {
  const error = (() => {
    try {
      loads(bytes('c__builtin__\nset\n(K\x05tR.'));
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof UnpicklingError && error.opcode === 'REDUCE' && error.offset === 21 && /set\(\) argument must be iterable/.test(error.message));
});

test('bad input: every truncation of the corpus pickles is an UnpicklingError', () => {
  const corpus = JSON.parse(readFileSync(new URL('./fixtures/corpus.json', import.meta.url), 'utf8'));
  const pickles = corpus.cases.map((c) => Buffer.from(c.pickle, 'base64')).filter((p) => p.length < 3000);
  let count = 0;
  for (const pickle of pickles) {
    for (let n = 0; n < pickle.length; n++) {
      assert.throws(() => loads(pickle.subarray(0, n)), isLocatedUnpicklingError, `prefix ${n} of ${pickle.toString('hex').slice(0, 80)}`);
      count++;
    }
  }
  assert.ok(count > 10_000, `${count} truncations`);
});
