// The committed corpus: pickles CPython wrote (test/python/make_fixtures.py), no Python needed.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loads } from 'pickle-wasm';
import { compare } from './helpers/compare.mjs';

const corpus = JSON.parse(readFileSync(new URL('./fixtures/corpus.json', import.meta.url), 'utf8'));

test(`committed corpus: ${corpus.cases.length} pickles from Python ${corpus.python} load to the mapping table's values`, () => {
  corpus.cases.forEach((c, i) => {
    const value = loads(Buffer.from(c.pickle, 'base64'));
    compare(c.expect, value, `case ${i} (protocol ${c.protocol}) $`);
  });
});
