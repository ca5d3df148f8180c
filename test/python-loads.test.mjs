// Cross-language: python3 pickles seeded random values at protocols 0-5 and
// describes them; loads must give the mapping table's value for each.
import { test } from 'node:test';
import { loads } from 'pickle-wasm';
import { compare } from './helpers/compare.mjs';
import { needsPython, pythonCases } from './helpers/python.mjs';

const SEED = process.env.PICKLE_TEST_SEED ?? '2026';
const PER_PROTOCOL = 300;

test(`python3 random values (seed ${SEED}, ${PER_PROTOCOL} per protocol 0-5) load to the mapping table's values`, { skip: needsPython }, () => {
  const cases = pythonCases(SEED, PER_PROTOCOL);
  cases.forEach((c, i) => compare(c.expect, loads(c.pickle), `case ${i} (protocol ${c.protocol}) $`));
});
