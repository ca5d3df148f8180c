// Without Node's Buffer slicers (as in browsers) strings take the portable
// paths: char codes for short ASCII, TextDecoder, the surrogatepass decoder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('the corpus loads the same without Node-only string slicers', () => {
  const helpers = fileURLToPath(new URL('./helpers/', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', `${helpers}no-node-slicers.mjs`, `${helpers}check-corpus.mjs`], { encoding: 'utf8' });
  assert.match(out, /^\d+ ok/);
});
