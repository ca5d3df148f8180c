// The suite's judgement of issue #5's targets (bench/targets.mjs), on rows
// shaped as bench/run.mjs makes them: a ratio just over a bound misses, a
// missed msgpackr cell names the floor timed beside it, and a target whose
// cells were not timed is said to be unmeasured, not met.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeTargets, targetLines } from '../bench/targets.mjs';

const row = (name, protocol, bytes, us, extra = {}) => ({ name, protocol, bytes, dumpsBytes: bytes, us, ...extra });
const judged = (rows, target) => judgeTargets(rows).find((t) => t.target.startsWith(target));

test('a cell over its bound misses the target, one at the bound meets it', () => {
  const rows = [
    row('bm_dict', 5, 614, { 'pickle-wasm loads': 1.0, 'CPython loads': 1.0, 'pickle-wasm dumps': 1.01, 'CPython dumps': 1.0 }),
    row('bm_tuple', 2, 112, { 'pickle-wasm loads': 0.5, 'CPython loads': 1.0, 'pickle-wasm dumps': 0.5, 'CPython dumps': 1.0 }),
  ];
  const loads = judged(rows, 'loads at most CPython');
  assert.equal(loads.met, true);
  assert.match(loads.detail, /2 of 2 cells; highest 1\.00 \(bm_dict p5\)/);
  const dumps = judged(rows, 'dumps at most CPython');
  assert.equal(dumps.met, false);
  assert.match(dumps.detail, /missed by 1 of 2 cells: bm_dict p5 1\.01$/);
});

test('the pickleparser target counts only payloads over 100 kB that take it over 1 ms', () => {
  const rows = [
    row('bm_dict', 5, 614, { 'pickle-wasm loads': 1000, 'pickleparser loads': 2000 }),
    row('floats_1m', 5, 9e6, { 'pickle-wasm loads': 300, 'pickleparser loads': 999 }),
    row('ints_1m', 5, 6e6, { 'pickle-wasm loads': 5000, 'pickleparser loads': 20000 }),
  ];
  const target = judged(rows, 'loads at most a fifth of pickleparser');
  assert.equal(target.met, false);
  assert.match(target.detail, /missed by 1 of 1 cells: ints_1m p5 0\.25/);
});

test('a missed msgpackr cell names the floor timed beside it', () => {
  const rows = [
    row('tuple_top', 5, 115, { 'pickle-wasm loads': 0.3, 'msgpackr unpack': 0.15, 'bare JS loop': 0.21 }),
    row('ints_1m', 5, 6e6, { 'pickle-wasm loads': 26, 'msgpackr unpack': 17, 'values alone': 19, 'msgpackr unpack, same values': 40 }),
    row('floats_1m', 5, 9e6, { 'pickle-wasm loads': 6, 'msgpackr unpack': 9 }),
  ];
  const target = judged(rows, 'at or below msgpackr');
  assert.equal(target.met, false);
  assert.match(target.detail, /tuple_top p5 2\.00 \(floor: a bare JS loop over its opcodes 1\.40\)/);
  assert.match(target.detail, /ints_1m p5 1\.53 \(floor: making its exact values alone 1\.12; ours ÷ msgpackr on the same values 0\.65\)/);
  assert.doesNotMatch(target.detail, /floats_1m/);
});

test('the 64 MiB bytes are judged against a copy of them', () => {
  const rows = [
    row('bytes_64m', 5, 64 << 20, { 'pickle-wasm loads': 1.5, 'pickle-wasm dumps': 30000, 'memory copy': 27000 }),
    row('bytes_64m', 2, 96 << 20, { 'pickle-wasm loads': 100000, 'pickle-wasm dumps': 150000, 'memory copy': 40000 }),
  ];
  const view = judged(rows, '64 MiB bytes loads O(1)');
  assert.equal(view.met, true);
  assert.match(view.detail, /1 of 1 cells; highest 5\.6e-5/);
  const copy = judged(rows, '64 MiB bytes dumps at memory-copy speed');
  assert.equal(copy.met, false);
  assert.match(copy.detail, /missed by 1 of 1 cells: bytes_64m p5 1\.11$/);
});

test('a target with no cell timed is not measured, not met', () => {
  const rows = [row('bm_dict', 5, 614, { 'pickle-wasm loads': 1 })];
  const lines = targetLines(judgeTargets(rows));
  assert.ok(lines.some((l) => /loads at most CPython's C pickle\.loads, every payload: not measured in this run$/.test(l)));
  assert.ok(lines.some((l) => /peak RSS .*: not measured in this run$/.test(l)));
  assert.ok(judgeTargets(rows).every((t) => t.met !== true || t.target.startsWith('dumps output')));
});

test('a missed cell whose calls fault says what share of its time the faults took, at the cost measured in the run', () => {
  const rows = [
    row('floats_1m', 5, 9e6, { 'pickle-wasm dumps': 26000, 'CPython dumps': 9000 }, { faults: { 'pickle-wasm dumps': 2200, 'CPython dumps': 7 } }),
    row('bm_tuple', 5, 119, { 'pickle-wasm dumps': 0.38, 'CPython dumps': 0.37 }, { faults: { 'pickle-wasm dumps': 0.01, 'CPython dumps': 0 } }),
  ];
  const dumps = judgeTargets(rows, 10.5).find((t) => t.target.startsWith('dumps at most CPython'));
  assert.match(dumps.detail, /floats_1m p5 2\.89 \(page faults a call: ours 2200, CPython 7; ≈ 89% of our time at 10\.5 µs each\)/);
  assert.match(dumps.detail, /bm_tuple p5 1\.03$/);
  // without the cost of a page, no share is guessed
  assert.doesNotMatch(judgeTargets(rows).find((t) => t.target.startsWith('dumps at most CPython')).detail, /page faults/);
});
