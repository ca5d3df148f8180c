// GLOBAL's names, cached by the bytes of its argument (src/globalLines.ts):
// an entry is found by a hash of the bytes, and used only when the bytes are
// the same, so lines that share a hash, a cache that is full, and names that
// are not ASCII must all still load as themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loads, PyObject, UnpicklingError } from 'pickle-wasm';

const globalPickle = (line, protocol = 2) => Buffer.concat([Buffer.from([0x80, protocol, 0x63]), Buffer.from(line, 'utf8'), Buffer.from('\n.')]);
const stubOf = (line, protocol) => loads(globalPickle(line, protocol), { unknownGlobals: 'stub' });

test('two lines of one length whose FNV-1a hashes are equal load as their own names', () => {
  // found by search: both hash to 0x84ae1a0b
  const lines = ['mod\nname0522789', 'mod\nname0739192'];
  for (let round = 0; round < 3; round++) {
    for (const line of round === 1 ? [...lines].reverse() : lines) {
      const stub = stubOf(line);
      assert.ok(stub instanceof PyObject);
      assert.equal(`${stub.module}\n${stub.qualname}`, line);
    }
  }
});

test('lines that differ only in their last byte, or only in where the module ends, are told apart', () => {
  for (let round = 0; round < 2; round++) {
    for (const line of ['pkg.mod\nClassA', 'pkg.mod\nClassB', 'pkg\nmod.ClassA', 'pkg.mod\nClassA.Inner']) {
      const stub = stubOf(line);
      assert.equal(`${stub.module}\n${stub.qualname}`, line);
    }
  }
});

test('non-ASCII names load from UTF-8, again from the cache, and invalid UTF-8 is an UnpicklingError every time', () => {
  for (let round = 0; round < 2; round++) {
    const stub = stubOf('módulo\nÇlasse', 3);
    assert.equal(stub.module, 'módulo');
    assert.equal(stub.qualname, 'Çlasse');
  }
  const invalid = Buffer.concat([Buffer.from([0x80, 0x03, 0x63]), Buffer.from('mod\n'), Buffer.from([0xc3, 0x28]), Buffer.from('\n.')]);
  for (let round = 0; round < 2; round++) {
    assert.throws(() => loads(invalid, { unknownGlobals: 'stub' }), (error) => error instanceof UnpicklingError && /not valid UTF-8/.test(error.message));
  }
});

test('past the cache bound, globals still load by their names', () => {
  for (let i = 0; i < 3000; i++) {
    const stub = stubOf(`m${i % 7}\nName${i}`);
    assert.equal(stub.module, `m${i % 7}`);
    assert.equal(stub.qualname, `Name${i}`);
  }
});

test('a cached line gives Python 3 names at protocols 0-2 and the names as given from 3 on', () => {
  // __builtin__.set is builtins.set by fix_imports; at protocol 3 __builtin__ is not registered
  assert.deepEqual(loads(Buffer.concat([globalPickle('__builtin__\nset').subarray(0, -1), Buffer.from(')\x85R.', 'latin1')])), new Set());
  const stub = stubOf('__builtin__\nset', 3);
  assert.ok(stub instanceof PyObject);
  assert.equal(stub.module, '__builtin__');
});
