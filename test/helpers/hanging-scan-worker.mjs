// The scan worker, made to hang at the second tape of its first load (as a
// fault of ours might), for test/scan-worker.test.mjs.
import { ScanSession } from '../../dist/esm/session.js';

const { next } = ScanSession.prototype;
let tapes = 0;
ScanSession.prototype.next = function () {
  if (++tapes === 2) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  return next.call(this);
};
await import('../../dist/esm/scanWorker.js');
