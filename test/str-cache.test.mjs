// The string cache of load sessions (StrCache in src/tape.ts): wasm keeps each
// slot's bytes, JS each slot's string. These loads would get another slot's
// old string if the two sides fell out of step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry, UnpicklingError, dumps, loads } from 'pickle-wasm';

// 5000 short strs each: more than the cache's 4096 slots, so the two sets share most slots.
const strsA = Array.from({ length: 5000 }, (_, i) => `a${i}`);
const strsB = Array.from({ length: 5000 }, (_, i) => `b${i}`);

/** The pickle of the list `strs` without its PROTO and STOP, to put after other opcodes (protocol 2: no frames). */
const body = (strs) => Buffer.from(dumps(strs, { protocol: 2 })).subarray(2, -1).toString('latin1');
/** Calls m.<name>() first, then the list: [result, list]. */
const callThenList = (name, strs) => Buffer.from(`\x80\x02cm\n${name}\n)R${body(strs)}\x86.`, 'latin1');

test('a load that fails before replaying strs it scanned leaves no stale cache slots', () => {
  const registry = new Registry().register('m', 'fail', () => {
    throw new Error('no');
  });
  assert.deepEqual(loads(dumps(strsA)), strsA);
  // the scan cached strsB's bytes; the replay stopped at the REDUCE, before making their strings
  assert.throws(() => loads(callThenList('fail', strsB), { registry }), UnpicklingError);
  assert.deepEqual(loads(dumps(strsB)), strsB);
  assert.deepEqual(loads(dumps(strsA)), strsA);
});

test('a load from inside a callback does not disturb the cache of the load that called it', () => {
  const registry = new Registry().register('m', 'nested', () => loads(dumps(strsA)));
  assert.deepEqual(loads(dumps(strsB)), strsB); // the outer load finds strsB cached
  const [inner, outer] = loads(callThenList('nested', strsB), { registry });
  assert.deepEqual(inner, strsA);
  assert.deepEqual(outer, strsB);
});

test('equal short strs load as one string; the cache never mixes strs of equal hash slot and length', () => {
  const strs = Array.from({ length: 20000 }, (_, i) => `k${i % 7000}`.padEnd(1 + (i % 32), '.'));
  for (let round = 0; round < 2; round++) assert.deepEqual(loads(dumps(strs, { protocol: 2 })), strs);
});

test('a load whose short strs rarely repeat passes the cache by for a while, and the strs still load right', () => {
  // 20000 distinct strs: the cache's verdict after 1024 lookups sends the next 16384 past it, then it looks again;
  // the repeats after them find slots whose JS strings were left as they were while it was passed by; a fifth
  // are not ASCII (passed by, the cache still tells ASCII from the rest)
  const distinct = Array.from({ length: 20000 }, (_, i) => (i % 5 ? `s${i}` : `é${i}—`));
  const strs = [...distinct, ...distinct.slice(0, 2000), ...distinct.slice(19000)];
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(loads(dumps(strs, { protocol: 2 })), strs);
    assert.deepEqual(loads(dumps(strsA, { protocol: 5 })), strsA);
  }
});
