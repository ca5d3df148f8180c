// The scan worker, made to fail once it has scanned the first tape of its
// second load (as a bug in it or memory running out would: never the
// pickle's doing), for test/scan-worker.test.mjs.
import { ScanSession } from '../../dist/esm/session.js';

const { begin, next } = ScanSession.prototype;
let loads = 0;
let tapes = 0;
ScanSession.prototype.begin = function (...args) {
  loads++;
  tapes = 0;
  return begin.apply(this, args);
};
ScanSession.prototype.next = function () {
  const status = next.call(this); // (the tape's strs are in the worker's string cache now)
  if (loads === 2 && ++tapes === 1) throw new Error('injected failure');
  return status;
};
await import('../../dist/esm/scanWorker.js');
