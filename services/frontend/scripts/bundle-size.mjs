// Measures the JavaScript a first visit loads: the entry module and the
// chunks index.html preloads, gzipped (level 9, as a server would send them).
// Usage: node scripts/bundle-size.mjs [--budget-kb 250]; exit 1 over budget.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const budgetArg = process.argv.indexOf("--budget-kb");
const budget = budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : 250;
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = new Set();
for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) initial.add(m[1]);
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) initial.add(m[1]);
for (const m of html.matchAll(/<script(?![^>]*type="module")[^>]*src="([^"]+)"/g)) initial.add(m[1]);
if (initial.size === 0) throw new Error("no script found in dist/index.html");
let raw = 0;
let gz = 0;
const files = [];
for (const src of initial) {
  const bytes = readFileSync(join(dist, src.replace(/^\//, "")));
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += z;
  files.push({ file: src, bytes: bytes.length, gzip: z });
}
const result = { files, total_bytes: raw, total_gzip: gz, budget_kb: budget };
console.log(JSON.stringify(result, null, 2));
if (gz > budget * 1024) {
  console.error(`initial JS ${(gz / 1024).toFixed(1)} kB gzipped is over the ${budget} kB budget`);
  process.exit(1);
}
