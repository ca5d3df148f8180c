// Round trip, checked by CPython itself: python3 pickles seeded random values,
// loads reads them, dumps writes them back at the same protocol and at 0 and
// 5, and Python finds the same values — types, exact ints, float bits, sharing
// and cycles (test/python/compare_values.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumps, loads } from 'pickle-wasm';
import { needsPython, pythonCases, pythonCompare } from './helpers/python.mjs';

const SEED = process.env.PICKLE_TEST_SEED ?? '2026';
const PER_PROTOCOL = 300;

test(`round trip through JS (seed ${SEED}, ${PER_PROTOCOL} values per protocol 0-5, written back at it, 0 and 5)`, { skip: needsPython }, () => {
  const cases = pythonCases(SEED, PER_PROTOCOL);
  const requests = cases.map((c) => {
    const value = loads(c.pickle);
    const protocols = [...new Set([c.protocol, 0, 5])];
    return { original: c.pickle, candidates: protocols.map((protocol) => dumps(value, { protocol })) };
  });
  const answers = pythonCompare(requests);
  const failures = answers.map((a, i) => (a.ok ? null : `case ${i} (protocol ${cases[i].protocol}): ${a.why}`)).filter(Boolean);
  assert.deepEqual(failures.slice(0, 5), []);
});
