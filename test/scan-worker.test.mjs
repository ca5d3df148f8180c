// Loads on the scan worker (src/remoteScan.ts): a large pickle read whole is
// scanned by a thread of the package's own while this one replays its tapes.
// Each test checks that the worker took the load (remoteLoads) and that what
// it gave equals the load on this thread (Unpickler.load, which never uses
// the worker), for values, errors, a replay that fails half-way (the worker
// is then ahead: its string cache must be emptied) and a load inside a hook.
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { dumps, loads, Unpickler, UnpicklingError, startScanWorker, stopScanWorker } from 'pickle-wasm';
import * as remote from '../dist/esm/remoteScan.js';
import { countFolded } from './helpers/folded.mjs';

/** ~2-3 MB of records: short ASCII strs that recur (the string cache), non-ASCII and astral ones (the scan's units), shared objects (memo GETs), floats. */
function records(n, salt = '') {
  const shared = { kind: 'shared', tags: ['x', 'y'] };
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      id: i,
      name: `user${i % 500}${salt}`,
      city: ['Zürich', 'Kraków', 'São Paulo', '東京', 'x😀y'][i % 5],
      score: i / 7,
      tags: i % 3 ? ['alpha', `t${i % 40}`] : [],
      shared,
    });
  }
  return out;
}

const here = (data) => new Unpickler().load(data);

/** Runs `body` and returns how many loads the worker scanned meanwhile. */
function countRemote(body) {
  const before = remote.remoteLoads;
  body();
  return remote.remoteLoads - before;
}

test('the worker starts in Node', async () => {
  // a load first: this thread's session for the worker is then not where the worker's own is (each instance
  // allocates alike), and the records pointing at strs' units must be moved to this thread's area
  here(dumps(records(10)));
  assert.equal(await startScanWorker(), true);
});

test('a large pickle loads the same on the worker as here', async () => {
  await startScanWorker();
  for (const protocol of [2, 5]) {
    const data = dumps(records(30_000), { protocol });
    assert.ok(data.length > 1 << 20);
    let value, folded;
    assert.equal(countRemote(() => ([value, folded] = countFolded(() => loads(data)))), 1);
    const [expected, foldedHere] = countFolded(() => here(data));
    assert.deepStrictEqual(value, expected);
    assert.equal(value[0].shared, value[1].shared, 'a memo GET gives the same object');
    assert.ok(foldedHere > 20_000, `${foldedHere} dicts folded`);
    assert.equal(folded, foldedHere, 'the worker folds the dicts whose keys repeat');
  }
});

test('a large pickle whose memo stores the pass before the scan cannot follow keeps its memo for the worker\'s GETs', async () => {
  // an object first met past memo index 255 (a LONG_BINPUT, then a LONG_BINGET in each later record), both moved
  // to an index no store reaches in order: the memo pass answers UNKNOWN, and only the worker's scan sees the
  // GETs (this thread must keep every store)
  await startScanWorker();
  const value = records(30_000);
  const late = { late: true };
  for (let i = 1000; i < value.length; i++) value[i].late = late;
  const data = Buffer.from(dumps(value, { protocol: 2 }));
  const index = data.readUInt32LE(data.lastIndexOf(0x6a) + 1); // LONG_BINGET of the last record's `late`
  const moved = (code) => Buffer.from([code, ...new Uint8Array(new Uint32Array([index]).buffer)]);
  let edits = 0;
  for (const code of [0x72, 0x6a]) { // LONG_BINPUT, LONG_BINGET
    for (let at = data.indexOf(moved(code)); at >= 0; at = data.indexOf(moved(code), at + 5), edits++) data.writeUInt32LE(index + 100_000, at + 1);
  }
  assert.equal(edits, value.length - 1000, 'the object stored once and fetched by each later record');
  let loaded;
  assert.equal(countRemote(() => (loaded = loads(data))), 1);
  assert.deepStrictEqual(loaded, here(data));
  assert.equal(loaded.at(-1).late, loaded[1000].late, 'the GETs give the stored object');
});

test('pickles the worker would not help scan here: numbers, a large bytes, small ones', async () => {
  await startScanWorker();
  const floats = dumps(Array.from({ length: 300_000 }, (_, i) => i / 3));
  const bytes = dumps(new Uint8Array(3 << 20));
  const small = dumps(records(100));
  assert.equal(countRemote(() => assert.deepStrictEqual(loads(floats), here(floats))), 0);
  assert.equal(countRemote(() => assert.deepStrictEqual(loads(bytes), here(bytes))), 0);
  assert.equal(countRemote(() => assert.deepStrictEqual(loads(small), here(small))), 0);
});

/** The value or the error a load gives. */
function outcome(load) {
  try {
    return { value: load() };
  } catch (error) {
    return { error };
  }
}

/** `data` cut short, and `count` seeded corruptions of it: 1-3 random bytes anywhere (an opcode no protocol has, a length, a memo index, a str's UTF-8). */
function damaged(data, count, seed = 12345) {
  const random = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const bads = [data.subarray(0, data.length - 1000)];
  for (let i = 0; i < count; i++) {
    const bad = data.slice();
    for (let j = 0; j <= random(3); j++) bad[random(bad.length)] = random(256);
    bads.push(bad);
  }
  return bads;
}

/** Loads each of `pickles` with loads() and here, asserting the same value or error; returns how many the worker took. */
function sameOutcomes(pickles) {
  let remoteCount = 0;
  for (const data of pickles) {
    const expected = outcome(() => here(data));
    let got;
    remoteCount += countRemote(() => (got = outcome(() => loads(data))));
    if (expected.error) {
      assert.ok(got.error instanceof UnpicklingError, String(got.error ?? 'no error'));
      assert.equal(got.error.message, expected.error.message);
    } else assert.deepStrictEqual(got.value, expected.value);
  }
  return remoteCount;
}

test('a truncated or corrupted pickle gives on the worker what it gives here', async () => {
  await startScanWorker();
  const bads = damaged(dumps(records(30_000)), 40);
  const remoteCount = sameOutcomes(bads);
  assert.ok(remoteCount >= bads.length - 2, `the worker took ${remoteCount} of ${bads.length}`); // (a corrupted first window may keep one here)
});

test('a replay that fails half-way leaves the worker ready, its string cache in step', async () => {
  await startScanWorker();
  // persistent ids mark a few values; the hook fails at the 10th, tapes before the worker stops, after which strs first met
  // (`late…`: the worker's cache took them on tapes never replayed) recur in the next pickle
  const late = (r, i) => (i >= 20_000 ? { ...r, name: `late${i % 50}` } : r);
  const marked = records(40_000).map((r, i) => (i % 1000 === 0 ? { pid: i } : late(r, i)));
  const data = dumps(marked, { persistentId: (v) => (v && typeof v === 'object' && 'pid' in v ? v.pid : undefined) });
  let calls = 0;
  const failing = { persistentLoad: (pid) => { if (++calls === 10) throw new Error('no such object'); return { pid }; } };
  assert.equal(countRemote(() => assert.throws(() => loads(data, failing), /no such object/)), 1);
  // the worker cached strs that this thread never made: the next loads must not take them
  const again = dumps(records(30_000).map((r, i) => late(r, i + 20_000)));
  for (let i = 0; i < 2; i++) {
    let value;
    assert.equal(countRemote(() => (value = loads(again))), 1);
    assert.deepStrictEqual(value, here(again));
  }
  const ok = { persistentLoad: (pid) => ({ pid }) };
  assert.deepStrictEqual(loads(data, ok), new Unpickler(ok).load(data));
});

test('a load inside a hook of a load on the worker scans here', async () => {
  await startScanWorker();
  const inner = dumps(records(30_000, '-inner'));
  const outer = dumps(records(30_000).map((r, i) => (i === 15_000 ? { pid: 1 } : r)), {
    persistentId: (v) => (v && typeof v === 'object' && 'pid' in v ? v.pid : undefined),
  });
  let innerValue;
  const hooks = { persistentLoad: () => (innerValue = loads(inner)) };
  let value;
  assert.equal(countRemote(() => (value = loads(outer, hooks))), 1);
  assert.deepStrictEqual(innerValue, here(inner));
  assert.deepStrictEqual(value, new Unpickler(hooks).load(outer));
});

test('stopScanWorker from a hook of a load on the worker ends it after that load', async () => {
  await startScanWorker();
  const outer = dumps(records(30_000).map((r, i) => (i === 15_000 ? { pid: 1 } : r)), {
    persistentId: (v) => (v && typeof v === 'object' && 'pid' in v ? v.pid : undefined),
  });
  let stopped;
  const hooks = { persistentLoad: (pid) => { stopped = stopScanWorker(); return { pid }; } };
  let value;
  assert.equal(countRemote(() => (value = loads(outer, hooks))), 1);
  await stopped;
  assert.deepStrictEqual(value, new Unpickler({ persistentLoad: (pid) => ({ pid }) }).load(outer));
  assert.equal(countRemote(() => assert.deepStrictEqual(loads(outer, hooks), new Unpickler({ persistentLoad: (pid) => ({ pid }) }).load(outer))), 0);
});

test('in a thread of the user\'s, large loads do not start a worker; startScanWorker does', async () => {
  const code = `
    import { parentPort } from 'node:worker_threads';
    import { dumps, loads, startScanWorker } from ${JSON.stringify(new URL('../dist/esm/index.js', import.meta.url).href)};
    import * as remote from ${JSON.stringify(new URL('../dist/esm/remoteScan.js', import.meta.url).href)};
    const v = Array.from({ length: 60000 }, (_, i) => ({ name: 'u' + (i % 500), city: 'Zürich', tags: ['a', 'b' + (i % 9)], i }));
    const data = dumps(v);
    for (let i = 0; i < 3; i++) loads(data);
    await new Promise((resolve) => setTimeout(resolve, 200)); // (time enough for a worker the loads started)
    loads(data);
    const automatic = remote.remoteLoads;
    const started = await startScanWorker();
    const same = JSON.stringify(loads(data)) === JSON.stringify(v);
    parentPort.postMessage({ automatic, started, remote: remote.remoteLoads, same });
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
  const result = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  await worker.terminate();
  assert.deepEqual(result, { automatic: 0, started: true, remote: 1, same: true });
});

test('after stopScanWorker loads scan here, and startScanWorker starts it again', async () => {
  const data = dumps(records(30_000));
  await stopScanWorker();
  assert.equal(countRemote(() => assert.deepStrictEqual(loads(data), here(data))), 0);
  assert.equal(await startScanWorker(), true);
  assert.equal(countRemote(() => assert.deepStrictEqual(loads(data), here(data))), 1);
  await stopScanWorker();
});

test('an input ring smaller than the pickle, and than one of its strs, wraps round as the load feeds it', async () => {
  await stopScanWorker();
  const size = remote.workerSettings.inputRingBytes;
  remote.workerSettings.inputRingBytes = 50_021; // (no multiple of a window: the window's refills cross the ring's end)
  try {
    assert.equal(await startScanWorker(), true);
    const long = 'ä'.repeat(40_000) + 'x'.repeat(100_000); // (longer than the ring: the window takes it in parts)
    const big = new Uint8Array(300_000).fill(7); // (passed over: never fed)
    const value = records(30_000).map((r, i) => (i === 10_000 ? { ...r, long } : i === 20_000 ? { ...r, big } : r));
    const pickles = [dumps(value, { protocol: 2 }), dumps(value, { protocol: 5 })];
    assert.equal(sameOutcomes(pickles), 2);
    const bads = damaged(pickles[1], 15, 777);
    assert.ok(sameOutcomes(bads) >= bads.length - 2);
  } finally {
    remote.workerSettings.inputRingBytes = size;
    await stopScanWorker();
  }
});

test('a worker that fails ends the load with its error, and the next load on it goes as before', async () => {
  await stopScanWorker();
  const script = remote.workerSettings.script;
  remote.workerSettings.script = new URL('./helpers/failing-scan-worker.mjs', import.meta.url);
  try {
    assert.equal(await startScanWorker(), true);
    // the first load fills this thread's strings of the cache's slots; the second fails once the worker has
    // cached the strs of its first tape, never replayed: if the worker kept them, the third would take the
    // first load's strings in those slots
    const first = dumps(records(30_000, '-a'));
    const second = dumps(records(30_000, '-b'));
    assert.equal(countRemote(() => assert.deepStrictEqual(loads(first), here(first))), 1);
    const failure = { name: 'UnpicklingError', message: /^\w+ at byte \d+: the scan worker failed here \(.*\): Error: injected failure$/ };
    assert.equal(countRemote(() => assert.throws(() => loads(second), failure)), 1);
    assert.equal(countRemote(() => assert.deepStrictEqual(loads(second), here(second))), 1);
  } finally {
    remote.workerSettings.script = script;
    await stopScanWorker();
  }
});

test('a worker that stops answering fails the load waiting for it, and loads scan here until startScanWorker', async () => {
  await stopScanWorker();
  const { script, stallMs } = remote.workerSettings;
  Object.assign(remote.workerSettings, { script: new URL('./helpers/hanging-scan-worker.mjs', import.meta.url), stallMs: 300 });
  try {
    assert.equal(await startScanWorker(), true);
    const data = dumps(records(30_000));
    // (located where the replay waited: after the first tape's last record)
    const failure = { name: 'UnpicklingError', message: /^\w+ at byte \d+: the scan worker stopped answering for 0.3 s \(pickle-wasm's fault, not the pickle's\)/ };
    const started = Date.now();
    assert.equal(countRemote(() => assert.throws(() => loads(data), failure)), 1);
    assert.ok(Date.now() - started < 5000);
    assert.equal(countRemote(() => assert.deepStrictEqual(loads(data), here(data))), 0);
    Object.assign(remote.workerSettings, { script, stallMs });
    assert.equal(await startScanWorker(), true);
    assert.equal(countRemote(() => assert.deepStrictEqual(loads(data), here(data))), 1);
  } finally {
    Object.assign(remote.workerSettings, { script, stallMs });
    await stopScanWorker();
  }
});
