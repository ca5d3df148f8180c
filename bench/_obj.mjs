const keys = ['ads_flags','age','bulletin_count','comment_count','country','encrypted_id','favorite_artists','favorite_artists_count','gender','gender_for_display','id','is_custom_profile_icon','last_updated','location','name','nickname','profile_pic','profile_url','status','zipcode'].map(k => Buffer.from(k).toString('latin1'));
const vals = keys.map((k, i) => i);
function fill(o, ks, vs) { for (let i = 0; i < ks.length; i++) o[ks[i]] = vs[i]; return o; }
const N = 200000; let keep;
for (let r = 0; r < 3; r++) {
  let s = performance.now(); for (let i = 0; i < N; i++) keep = fill({}, keys, vals); const t1 = (performance.now() - s) * 1e6 / N / keys.length;
  const f = new Function(...keys.map((_, i) => 'v' + i), 'return {' + keys.map((k, i) => JSON.stringify(k) + ': v' + i).join(',') + '}');
  s = performance.now(); for (let i = 0; i < N; i++) keep = f(...vals); const t2 = (performance.now() - s) * 1e6 / N / keys.length;
  const g = new Function('vs', 'return {' + keys.map((k, i) => JSON.stringify(k) + ': vs[' + i + ']').join(',') + '}');
  s = performance.now(); for (let i = 0; i < N; i++) keep = g(vals); const t3 = (performance.now() - s) * 1e6 / N / keys.length;
  s = performance.now(); for (let i = 0; i < N; i++) { const o = {}; keep = fill(o, keys, vals); } const t4 = (performance.now() - s) * 1e6 / N / keys.length;
  console.log('keyed store', t1.toFixed(1), 'ns/prop; literal factory spread', t2.toFixed(1), '; literal factory array', t3.toFixed(1));
}
