// Hand-written Python 2 pickles (STRING with escapes, BINSTRING, Python 2
// names) load as Python 3's pickle.loads(…, encoding=…) loads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loads, UnpicklingError } from 'pickle-wasm';
import { compare } from './helpers/compare.mjs';
import { needsPython, pythonDescribe } from './helpers/python.mjs';

const bytes = (text) => Buffer.from(text, 'latin1');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b.toString('latin1'); };

const PICKLES = [
  ['STRING with escapes', "S'a\\'b\\\\c\\n\\x41\\101\\t\"'\np0\n."],
  ['STRING in double quotes', 'S"it\'s"\n.'],
  ['STRING, non-ASCII escape', "S'caf\\xe9'\n."],
  ['STRING, backslash-newline', "S'a\\\nb'\n."],
  ['BINSTRING latin-1 bytes', `\x80\x02T${u32(4)}caf\xe9q\x00.`],
  ['BINSTRING UTF-8 bytes', `\x80\x02T${u32(5)}caf\xc3\xa9.`],
  ['SHORT_BINSTRING', '\x80\x02U\x05hello.'],
  ['Python 2 long and ints', '(L12345678901234567890L\nL-5L\nI01\nI00\nI-7\nF1.5\nF-inf\nFnan\nF1e+300\nF0.1\nt.'],
  ['Python 2 unicode', 'V\\u20ac and \\U0001f600 and caf\xe9\np0\n.'],
  ['unicode with literal backslashes', 'Va\\\\u0041\\\\\\u0042\n.'],
  ['__builtin__ set', 'c__builtin__\nset\n((lp0\nI1\naI2\natR.'],
  ['__builtin__ frozenset (protocol 2)', '\x80\x02c__builtin__\nfrozenset\n]q\x00(K\x01K\x02e\x85R.'],
  ['Python 2 dict with str keys', '(dp0\nS\'k\'\np1\nS\'v\'\np2\nsS\'n\'\nI3\ns.'],
];
const ENCODINGS = ['ASCII', 'latin1', 'utf-8', 'bytes'];

test('Python 2 pickles load as Python 3 loads them, with every encoding', { skip: needsPython }, () => {
  const requests = PICKLES.flatMap(([name, text]) => ENCODINGS.map((encoding) => ({ name, encoding, pickle: bytes(text) })));
  const answers = pythonDescribe(requests);
  let errors = 0;
  requests.forEach((request, i) => {
    const where = `${request.name} with encoding ${request.encoding}`;
    const answer = answers[i];
    if (answer.error) {
      errors++;
      assert.throws(() => loads(request.pickle, { encoding: request.encoding }), UnpicklingError, `${where}: Python says ${answer.error}`);
      return;
    }
    compare(answer.expect, loads(request.pickle, { encoding: request.encoding }), `${where}: $`);
  });
  assert.ok(errors > 0, 'some encodings must fail as in Python (non-ASCII with ASCII)');
});

test('Python 2 str defaults to ASCII, as Python 3', () => {
  assert.equal(loads(bytes('U\x02ok.')), 'ok');
  assert.throws(() => loads(bytes('U\x02\xe9!.')), /not ASCII/);
  assert.equal(loads(bytes('U\x02\xe9!.'), { encoding: 'latin1' }), 'é!');
  assert.deepEqual(loads(bytes('U\x02\xe9!.'), { encoding: 'bytes' }), new Uint8Array([0xe9, 0x21]));
});
