// The one opcode table (src/opcodes.ts, shared by assembly/ and src/) must say what python3's pickletools says.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { OPCODE_NAMES, OPCODE_TABLE } from '../dist/esm/opcodes.js';
import { needsPython, python } from './helpers/python.mjs';

const ARG_KINDS = [
  'none', 'uint1', 'uint2', 'int4', 'uint4', 'uint8', 'decimalnl_short', 'decimalnl_long', 'floatnl', 'float8',
  'stringnl', 'stringnl_noescape', 'stringnl_noescape_pair', 'string1', 'string4',
  'unicodestringnl', 'unicodestring1', 'unicodestring4', 'unicodestring8',
  'bytes1', 'bytes4', 'bytes8', 'bytearray8', 'long1', 'long4',
];

test('the opcode table matches pickletools: name, code, argument kind, protocol', { skip: needsPython }, () => {
  const code = `import json, pickletools
print(json.dumps([[o.name, ord(o.code.encode('latin1')), o.arg.name if o.arg else 'none', o.proto] for o in pickletools.opcodes]))`;
  const expected = JSON.parse(execFileSync(python, ['-c', code], { encoding: 'utf8' }));
  const ours = OPCODE_TABLE.map(([op, arg, proto], i) => [OPCODE_NAMES[i], op, ARG_KINDS[arg], proto]);
  assert.deepEqual(ours, expected);
});
