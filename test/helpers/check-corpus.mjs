// Loads the committed corpus and checks every value; exits non-zero on a mismatch.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { loads } from 'pickle-wasm';
import { compare } from './compare.mjs';

const corpus = JSON.parse(readFileSync(new URL('../fixtures/corpus.json', import.meta.url), 'utf8'));
corpus.cases.forEach((c, i) => compare(c.expect, loads(Buffer.from(c.pickle, 'base64')), `case ${i} $`));
console.log(`${corpus.cases.length} ok`);
