// Copies the pinned npm packages that pages use into src/fugong/static/vendor (never committed).
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "src", "fugong", "static", "vendor");
const files = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["echarts/dist/echarts.min.js", "echarts.min.js"],
  ["@picocss/pico/css/pico.min.css", "pico.min.css"],
  ["axe-core/axe.min.js", "axe.min.js"],
];
mkdirSync(vendor, { recursive: true });
for (const [from, to] of files) {
  cpSync(join(root, "node_modules", from), join(vendor, to));
}
console.log(`copied ${files.length} files to ${vendor}`);
