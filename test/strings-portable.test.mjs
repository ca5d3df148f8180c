// Without Node's Buffer slicers (as in browsers) strings take the portable
// paths: char codes for short ASCII, TextDecoder, the surrogatepass decoder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const helpers = fileURLToPath(new URL('./helpers/', import.meta.url));
const NO_SLICERS = ['--import', `${helpers}no-node-slicers.mjs`];
// short ASCII strs are made by compiled functions where code generation is allowed (strings.ts fromBytes)
const NO_CODEGEN = ['--disallow-code-generation-from-strings'];

for (const [name, flags] of [
  ['without Node-only string slicers', NO_SLICERS],
  ['where compiling code is refused', NO_CODEGEN],
  ['with neither', [...NO_SLICERS, ...NO_CODEGEN]],
]) {
  test(`the corpus and ASCII strs of every length load the same ${name}`, () => {
    const out = execFileSync(process.execPath, [...flags, `${helpers}check-corpus.mjs`], { encoding: 'utf8' });
    assert.match(out, /^\d+ ok/);
  });
}
