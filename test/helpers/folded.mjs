// Counts the dict bodies a load replays folded (see the README's "Dict bodies
// whose keys repeat"), on the Unpickler's private method: a rule that silently
// stops folding shows as a count that drops.
import { Unpickler } from 'pickle-wasm';

/** Runs `load` and returns [its value, how many dict bodies it replayed folded]. */
export function countFolded(load) {
  const replay = Unpickler.prototype.loadDictValues;
  let folded = 0;
  Unpickler.prototype.loadDictValues = function (...args) {
    folded++;
    return replay.apply(this, args);
  };
  try {
    return [load(), folded];
  } finally {
    Unpickler.prototype.loadDictValues = replay;
  }
}
