// dumps writes every str as Python's UTF-8 with surrogatepass, on each of its
// paths: a JS loop for short strs, Node's native writer for longer well-formed
// ones, TextEncoder without Node's Buffer (as in browsers), a loop for lone surrogates.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dumps, loads, PicklingError } from 'pickle-wasm';

const helpers = fileURLToPath(new URL('./helpers/', import.meta.url));

test('strs of every kind and length dump as the reference encoder writes them', () => {
  const out = execFileSync(process.execPath, [`${helpers}check-str-dumps.mjs`, '7'], { encoding: 'utf8' });
  assert.match(out, /^2020 ok/);
});

test('the same without Node-only string writers', () => {
  const out = execFileSync(process.execPath, ['--import', `${helpers}no-node-slicers.mjs`, `${helpers}check-str-dumps.mjs`, '8'], { encoding: 'utf8' });
  assert.match(out, /^2020 ok/);
});

test('a dump that fails with strs still waiting for their flush leaves none to the next dump', () => {
  assert.throws(() => dumps(['a str long enough to wait', Symbol('unpicklable')]), PicklingError);
  const list = ['another long str', 'and one more of them'];
  assert.deepEqual(loads(dumps(list)), list);
});
