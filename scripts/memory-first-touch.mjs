/**
 * What fresh memory costs on this machine: the CPU time of writing every word of a new 64 MiB
 * array (every page touched for the first time) against writing the same pages again. The
 * detector's deduplication table grows in a WebAssembly memory so that each of its pages is
 * touched once (docs/detection.md, "Speed").
 *
 *   node scripts/memory-first-touch.mjs
 */
const words = 1 << 24;
const cpu = (f) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / words;
};
for (let round = 0; round < 3; round++) {
  let a;
  const fresh = cpu(() => {
    a = new Uint32Array(words);
    for (let i = 0; i < words; i++) a[i] = i;
  });
  const again = cpu(() => {
    for (let i = 0; i < words; i++) a[i] = i + 1;
  });
  console.log(`round ${round + 1}: first touch ${fresh.toFixed(2)} ns per 4-byte word (${((fresh * 1024) / 1000).toFixed(1)} us per 4 KiB page), rewrite ${again.toFixed(2)} ns`);
}
