// The opcodes that random values do not reach: extensions, persistent ids,
// out-of-band buffers, INST/OBJ, DUP/POP/POP_MARK, NEWOBJ_EX — and a check
// that these tests and the corpus together load every opcode of protocols 0-5.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { ByteArray, Complex, loads, PyObject, Registry, Tuple, Unpickler, UnpicklingError } from 'pickle-wasm';
import { OPCODE_NAMES } from '../dist/esm/opcodes.js';
import { compare } from './helpers/compare.mjs';
import { needsPython, python, pythonDescribe, runPython } from './helpers/python.mjs';
import { execFileSync } from 'node:child_process';

const loaded = [];
/** loads, noting the pickle for the coverage check. */
function load(data, options) {
  loaded.push(Buffer.from(data));
  return loads(data, options);
}
const bytes = (text) => Buffer.from(text, 'latin1');
const pythonOut = (code) => execFileSync(python, ['-c', code], { maxBuffer: 1 << 26 });

test('EXT1, EXT2, EXT4 resolve through registered extension codes', { skip: needsPython }, () => {
  const code = `import copyreg, pickle, sys, collections
for n in (7, 300, 70000):
    copyreg.add_extension('collections', 'OrderedDict', n)
    sys.stdout.buffer.write(pickle.dumps(collections.OrderedDict, protocol=2).hex().encode() + b'\\n')
    copyreg.remove_extension('collections', 'OrderedDict', n)`;
  const pickles = pythonOut(code).toString().trim().split('\n').map((h) => Buffer.from(h, 'hex'));
  assert.deepEqual(pickles.map((p) => p[2]), [0x82, 0x83, 0x84]);
  class OrderedDict {}
  [7, 300, 70000].forEach((n, i) => {
    const registry = new Registry().register('collections', 'OrderedDict', OrderedDict).registerExtension('collections', 'OrderedDict', n);
    assert.equal(load(pickles[i], { registry }), OrderedDict);
    assert.throws(() => load(pickles[i]), /unregistered extension code/);
  });
});

test('PERSID and BINPERSID go to persistentLoad (option or subclass)', { skip: needsPython }, () => {
  const code = `import pickle, sys, io
class P(pickle.Pickler):
    def persistent_id(self, obj):
        return 'ref-' + obj if isinstance(obj, str) and obj.startswith('@') else None
for proto in (0, 2):
    f = io.BytesIO(); P(f, protocol=proto).dump(['@a', 1]); sys.stdout.buffer.write(f.getvalue().hex().encode() + b'\\n')`;
  const [text, binary] = pythonOut(code).toString().trim().split('\n').map((h) => Buffer.from(h, 'hex'));
  for (const pickle of [text, binary]) {
    assert.deepEqual(load(pickle, { persistentLoad: (pid) => `<${pid}>` }), ['<ref-@a>', 1]);
    class Mine extends Unpickler {
      persistentLoad(pid) {
        return pid.toUpperCase();
      }
    }
    assert.deepEqual(new Mine().load(pickle), ['REF-@A', 1]);
    assert.throws(() => load(pickle), /persistentLoad/);
  }
});

test('NEXT_BUFFER and READONLY_BUFFER take the out-of-band buffers', { skip: needsPython }, () => {
  const code = `import pickle, sys
bufs = []
data = pickle.dumps([pickle.PickleBuffer(b'ro'), pickle.PickleBuffer(bytearray(b'rw'))], protocol=5, buffer_callback=bufs.append)
sys.stdout.buffer.write(data)`;
  const pickle = pythonOut(code);
  assert.ok(pickle.includes(0x97) && pickle.includes(0x98));
  const ro = new Uint8Array([114, 111]);
  const rw = new ByteArray([114, 119]);
  const value = load(pickle, { buffers: [ro, rw] });
  assert.equal(value[0], ro);
  assert.equal(value[1], rw);
  assert.throws(() => load(pickle), /out-of-band/);
  assert.throws(() => load(pickle, { buffers: [ro] }), /not enough out-of-band buffers/);
});

test('INST, OBJ, DUP, POP, POP_MARK load as Python loads them', { skip: needsPython }, () => {
  const pickles = [
    '(F1.0\nF2.0\ni__builtin__\ncomplex\n.',
    '(c__builtin__\ncomplex\nF1.5\nF-2.0\no.',
    '\x80\x02]q\x002a.',
    'K\x01K\x020.',
    'K\x01(K\x02K\x031.',
    '(K\x01(0l.',
    '\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x07\x94h\x00\x86.',
    '\x8c\x03abc\x8c\x01x\x86.',
  ].map(bytes);
  const answers = pythonDescribe(pickles.map((pickle) => ({ pickle })));
  pickles.forEach((pickle, i) => {
    assert.ok(answers[i].expect, `Python loads pickle ${i}: ${answers[i].error}`);
    compare(answers[i].expect, load(pickle), `pickle ${i}: $`);
  });
});

test('NEWOBJ_EX, NEWOBJ, REDUCE, BUILD of unregistered classes give PyObject stubs', { skip: needsPython }, () => {
  const code = `import pickle, sys
class Ex:
    def __init__(self, a, *, b): self.a, self.b = a, b
    def __getnewargs_ex__(self): return (self.a,), {'b': self.b}
class Plain:
    def __init__(self): self.x = 1
class Red:
    def __reduce__(self): return (Red, (1, 2), {'s': 3})
sys.stdout.buffer.write(pickle.dumps([Ex(1, b=2), Plain(), Red()], protocol=4))`;
  const value = load(pythonOut(code), { unknownGlobals: 'stub' });
  const [ex, plain, red] = value;
  assert.ok(ex instanceof PyObject && ex.kind === 'newobj_ex');
  assert.deepEqual([ex.module, ex.qualname, [...ex.args], ex.kwargs], ['__main__', 'Ex', [1], { b: 2 }]);
  assert.deepEqual(ex.state, { a: 1, b: 2 });
  assert.ok(plain instanceof PyObject && plain.kind === 'newobj' && plain.args.length === 0);
  assert.deepEqual(plain.state, { x: 1 });
  assert.ok(red instanceof PyObject && red.kind === 'reduce');
  assert.deepEqual([[...red.args], red.state], [[1, 2], { s: 3 }]);
  assert.throws(() => loads(pythonOut(code)), (e) => e instanceof UnpicklingError && /__main__\.Ex is not registered.*registry\.register/.test(e.message));
});

test('protocol 0-1 instances: copyreg._reconstructor with a stub class', { skip: needsPython }, () => {
  const code = `import pickle, sys
class A:
    def __init__(self): self.v = [1]
sys.stdout.buffer.write(pickle.dumps(A(), protocol=0))`;
  const value = load(pythonOut(code), { unknownGlobals: 'stub' });
  assert.ok(value instanceof PyObject);
  assert.equal(value.kind, 'reconstructor');
  assert.deepEqual(value.state, { v: [1] });
});

test('LONG4, LONG_BINPUT/LONG_BINGET, BINBYTES8, BINUNICODE8, Python 2 strings', { skip: needsPython }, () => {
  const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b.toString('latin1'); };
  const pickles = [
    pythonOut("import pickle,sys; sys.stdout.buffer.write(pickle.dumps([2**3000, -2**5000, 2**2039], protocol=2))"),
    pythonOut("import pickle,sys; x=[[i] for i in range(300)]; sys.stdout.buffer.write(pickle.dumps(x + x, protocol=2))"),
    bytes(`\x80\x04\x8e${u64(3)}abc\x8d${u64(4)}\xe2\x82\xacx\x86.`),
    bytes("(S'a\\n'\nT\x02\x00\x00\x00bcU\x01dt."),
  ];
  const answers = pythonDescribe(pickles.map((pickle) => ({ pickle })));
  pickles.forEach((pickle, i) => compare(answers[i].expect, load(pickle), `pickle ${i}: $`));
});

test('with the committed corpus, these tests load every opcode of protocols 0-5', { skip: needsPython }, () => {
  const corpus = JSON.parse(readFileSync(new URL('./fixtures/corpus.json', import.meta.url), 'utf8'));
  const lines = [...corpus.cases.map((c) => c.pickle), ...loaded.map((p) => p.toString('base64'))].join('\n');
  const used = new Set(JSON.parse(runPython('opcodes_used.py', [], lines)));
  const missing = OPCODE_NAMES.filter((name) => !used.has(name));
  assert.deepEqual(missing, []);
});
