// Draws the suite's results as an SVG bar chart: for each payload, pickle-wasm's
// time as a multiple of CPython's C pickle, loads and dumps (1.0 = as fast;
// shorter is faster), on a log scale.

const BAR = 9;
const ROW = 2 * BAR + 10;
const LEFT = 330;
const WIDTH = 760;
const MIN = 0.1;
const MAX = 10;

const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const x = (ratio) => LEFT + ((Math.log10(Math.min(MAX, Math.max(MIN, ratio))) - Math.log10(MIN)) / (Math.log10(MAX) - Math.log10(MIN))) * (WIDTH - LEFT - 20);

export function drawChart({ date, machine, rows }) {
  const measured = rows.filter((r) => r.us['CPython loads']);
  const height = 70 + measured.length * ROW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">pickle-wasm time ÷ CPython C pickle time (log scale; left of 1 is faster)</text>`,
    `<text x="10" y="34" fill="#555">${escape(`${date.slice(0, 10)} · ${machine.cpu} · ${machine.cores} cores · Node ${machine.node} · ${machine.python}`)}</text>`,
  ];
  for (const tick of [0.1, 0.25, 0.5, 1, 2, 4, 10]) {
    parts.push(`<line x1="${x(tick)}" y1="44" x2="${x(tick)}" y2="${height - 16}" stroke="${tick === 1 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 4}" text-anchor="middle">${tick}</text>`);
  }
  measured.forEach((r, i) => {
    const top = 50 + i * ROW;
    parts.push(`<text x="${LEFT - 6}" y="${top + BAR + 3}" text-anchor="end">${escape(`${r.note} (p${r.protocol})`.slice(0, 58))}</text>`);
    [['loads', '#3b7dd8'], ['dumps', '#e0892b']].forEach(([what, color], k) => {
      const ratio = r.us[`pickle-wasm ${what}`] / r.us[`CPython ${what}`];
      if (!Number.isFinite(ratio)) return;
      const y = top + k * BAR;
      parts.push(`<rect x="${x(MIN)}" y="${y}" width="${Math.max(1, x(ratio) - x(MIN))}" height="${BAR - 1}" fill="${color}"/>`);
      parts.push(`<text x="${x(ratio) + 3}" y="${y + BAR - 1}" font-size="9">${what} ${ratio.toFixed(2)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
