// Property tests (fast-check): for arbitrary JS values of the mapping table,
// loads(dumps(v)) deep-equals v at every protocol; for a sample, python3 reads
// what dumps wrote and writes it back to the same value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ByteArray, Complex, FrozenSet, Tuple, dumps, loads } from 'pickle-wasm';
import { needsPython, runPythonCode } from './helpers/python.mjs';

const SEED = Number(process.env.PROPERTY_SEED ?? 424242);

/** Keys that survive as themselves: strings, and numbers that stay numbers (no −0, which a dict key cannot tell from 0). */
const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.integer(), fc.double({ noNaN: true }).filter((x) => !Object.is(x, -0)));

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.double(),
    fc.oneof(fc.bigInt({ min: 2n ** 53n, max: 2n ** 300n }), fc.bigInt({ min: -(2n ** 300n), max: -(2n ** 53n) })),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 20 }).map((b) => new ByteArray(b)),
    fc.tuple(fc.double(), fc.double()).map(([re, im]) => new Complex(re, im)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => Tuple.fromArray(items)),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 5, noNullPrototype: true }),
    // A Map comes back a Map when some key is not a str (else, as any str-keyed dict, a plain object).
    fc.array(fc.tuple(key, tie('value')), { minLength: 1, maxLength: 4 }).map((entries) => new Map(entries)).filter((m) => [...m.keys()].some((k) => typeof k !== 'string')),
    fc.array(key, { maxLength: 5 }).map((items) => new Set(items)),
    fc.array(key, { maxLength: 5 }).map((items) => new FrozenSet(items)),
  ),
}));

test(`property: loads(dumps(v)) deep-equals v at every protocol (seed ${SEED})`, () => {
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 5 }), (v, protocol) => {
      assert.deepStrictEqual(loads(dumps(v, { protocol })), v);
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

test(`property: python3 reads what dumps wrote and writes back the same value (seed ${SEED})`, { skip: needsPython }, () => {
  const samples = fc.sample(fc.tuple(value, fc.integer({ min: 0, max: 5 })), { seed: SEED, numRuns: 300 });
  const pickles = samples.map(([v, protocol]) => Buffer.from(dumps(v, { protocol })).toString('base64'));
  const code = `import base64, pickle, sys
for line, protocol in zip(sys.stdin.read().split(), ${JSON.stringify(samples.map(([, p]) => p))}):
    print(base64.b64encode(pickle.dumps(pickle.loads(base64.b64decode(line)), protocol=protocol)).decode())`;
  const back = runPythonCode(code, { input: pickles.join('\n') }).toString().trim().split('\n');
  samples.forEach(([v], i) => assert.deepStrictEqual(loads(Buffer.from(back[i], 'base64')), v, `sample ${i}`));
});

test(`property: dicts whose keys come from a few names, dumped one after another and from inside a dump, come back with their keys (seed ${SEED})`, () => {
  // the key table finds keys by their place in a dict across dumps (src/keyTable.ts): many dicts share places with other keys
  const names = ['a', 'b', 'id', 'name', 'é', 'k'.repeat(70)];
  const { dict } = fc.letrec((tie) => ({
    dict: fc.dictionary(fc.constantFrom(...names), fc.oneof({ depthSize: 'small' }, fc.integer(), fc.constantFrom(...names), tie('dict')), { maxKeys: 6, noNullPrototype: true }),
  }));
  fc.assert(
    fc.property(fc.array(fc.tuple(dict, fc.boolean()), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 5 }), (dicts, protocol) => {
      for (const [d, nested] of dicts) {
        // a dump inside this one (a hook) writes the next dict while this one's keys are being written
        let inner;
        const persistentId = nested ? (value) => { if (value === d) inner = dumps(dicts[0][0], { protocol }); } : undefined;
        assert.deepStrictEqual(loads(dumps([d, d, dicts[0][0]], { protocol, persistentId })), [d, d, dicts[0][0]]);
        if (nested) assert.deepStrictEqual(loads(inner), dicts[0][0]);
      }
    }),
    { seed: SEED, numRuns: 1500 },
  );
});
