// Dumps seeded random strs (every UTF-8 length, lone surrogates, lengths on
// both sides of the encoder's path thresholds) and checks each payload against
// a reference surrogatepass encoder, then dumps them many to a pickle (strs
// encoded together at a flush) and checks they load back each as it was;
// exits non-zero on a mismatch.
import { dumps, loads } from 'pickle-wasm';
import { random } from './random.mjs';

const RANGES = [[0x20, 0x7e], [0x80, 0xff], [0x100, 0xd7ff], [0x10000, 0x10ffff], [0xd800, 0xdfff]];

/** Python's str.encode('utf-8', 'surrogatepass'), one code point at a time. */
function reference(text) {
  const out = [];
  for (const char of text) {
    const c = char.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

const next = random(Number(process.argv[2] ?? 7));
const texts = [];
let checked = 0;
for (let length = 0; length <= 100; length++) {
  for (let trial = 0; trial < 20; trial++) {
    // mostly ASCII, some strs with a rarer range mixed in (a lone surrogate among them)
    const kinds = trial % 4 === 0 ? [0] : [0, 0, 0, Math.floor(next() * RANGES.length)];
    let text = '';
    while (text.length < length) {
      const [lo, hi] = RANGES[kinds[Math.floor(next() * kinds.length)]];
      text += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)));
    }
    const pickle = dumps(text, { protocol: 3 }); // PROTO 3, BINUNICODE, u32 length, UTF-8, BINPUT 0, STOP
    const length32 = pickle[3] | (pickle[4] << 8) | (pickle[5] << 16) | (pickle[6] << 24);
    const got = Array.from(pickle.subarray(7, 7 + length32));
    const want = reference(text);
    if (got.length !== want.length || got.some((b, i) => b !== want[i])) {
      console.error(`mismatch for ${JSON.stringify(text)}: ${got} vs ${want}`);
      process.exit(1);
    }
    if (loads(pickle) !== text) {
      console.error(`round trip failed for ${JSON.stringify(text)}`);
      process.exit(1);
    }
    texts.push(text);
    checked++;
  }
}

/** Fails unless `list` loads back from its dump as it was, str by str. */
function roundTrips(list) {
  const back = loads(dumps(list));
  const bad = list.findIndex((text, i) => back[i] !== text);
  if (back.length !== list.length || bad >= 0) {
    console.error(`list round trip failed at [${bad}]: ${JSON.stringify(list[bad])} came back as ${JSON.stringify(back[bad])}`);
    process.exit(1);
  }
}
// neighbours in one pickle: lone surrogates next to each other across two strs must stay two strs' lone surrogates
for (let i = 0; i < texts.length; i += 7) roundTrips(texts.slice(i, i + 7));
roundTrips(['abcdefgh\ud83d', '\ude00abcdefgh', 'abcdefgh\ud800', '\udc00', 'stuvwxyz\udbff', '\udfffabcdefgh']);
roundTrips(texts); // all of them: several flushes
console.log(`${checked} ok`);
