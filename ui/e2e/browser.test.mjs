// The built UI (dist-demo: the fake backend with 100,000 HubSpot items) in Debian's Chromium,
// driven by playwright-core: connect, load, scroll, search, sort, details, export.
// Screenshots go to ../artifacts/ (CI artifacts).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../dist-demo");
const artifacts = resolve(import.meta.dirname, "../../artifacts");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
let server;
let browser;
let page;

before(async () => {
  assert.ok(existsSync(join(root, "demo.html")), "run `npm run build:demo` first");
  mkdirSync(artifacts, { recursive: true });
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(root, path === "/" ? "demo.html" : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/demo.html?items=100000`);
});

after(async () => {
  await browser?.close();
  server?.close();
});

const shot = (name) => page.screenshot({ path: join(artifacts, `browser-${name}.png`) });
const countText = () => page.locator("#item-count").textContent();

test("connect and load 100,000 items into a virtualized grid", async () => {
  await page.getByRole("button", { name: "Connect HubSpot" }).click();
  await page.locator('[data-integration="hubspot"]', { hasText: "Connected as" }).waitFor();
  await page.getByRole("button", { name: "Load HubSpot items" }).click();
  await page.locator("#item-count", { hasText: "100,000 items" }).waitFor();
  const rendered = await page.locator(".grid-row").count();
  assert.ok(rendered > 10 && rendered < 100, `only the visible rows exist (${rendered})`);
  await page.locator(".grid-scroll").evaluate((e) => (e.scrollTop = e.scrollHeight));
  await page.locator('.grid-row[aria-rowindex="100001"]').waitFor();
  await shot("loaded-100k");
});

test("find one item by typing, with counts", async () => {
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "search");
  await page.keyboard.type("contact 99999");
  await page.locator("#item-count", { hasText: "1 of 100,000 items" }).waitFor();
  assert.match(await page.locator(".grid-row").first().textContent(), /Contact 99999/);
  await shot("search");
  await page.keyboard.press("Escape");
  await page.locator("#item-count", { hasText: /^100,000 items/ }).waitFor();
});

test("sort by a column both ways", async () => {
  const header = page.getByRole("columnheader", { name: /Created/ });
  await header.getByRole("button").click();
  assert.equal(await header.getAttribute("aria-sort"), "ascending");
  const first = await page.locator(".grid-row").first().textContent();
  await header.getByRole("button").click();
  assert.equal(await header.getAttribute("aria-sort"), "descending");
  assert.notEqual(await page.locator(".grid-row").first().textContent(), first);
  await shot("sorted");
});

test("open details with the keyboard and close them with Esc", async () => {
  await page.locator(".grid-scroll").focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  const details = page.locator("#details");
  await details.waitFor();
  assert.match(await details.textContent(), /person\d+@example\.com/);
  await shot("details");
  await page.keyboard.press("Escape");
  await details.waitFor({ state: "hidden" });
});

test("export exactly the filtered, sorted view", async () => {
  await page.locator("#type-filter").selectOption("deal");
  await page.locator("#search").fill("deal 9");
  await page.locator("#item-count", { hasText: " of 100,000 items" }).waitFor();
  await page.locator("#export-format").selectOption("xlsx");
  await page.getByRole("button", { name: "Export view" }).click();
  await page.locator("#status", { hasText: "Exported" }).waitFor();
  const { exported, shown, status } = await page.evaluate(() => ({
    exported: window.inletDemo.exports.at(-1),
    shown: [...document.querySelectorAll(".grid-row[data-key]")].map((r) => r.dataset.key),
    status: document.getElementById("status").textContent,
  }));
  // The backend writes the file from its store: the app hands it the view, not the rows.
  assert.equal(exported.format, "xlsx");
  assert.deepEqual(exported.view.types, ["deal"]);
  assert.equal(exported.view.search, "deal 9");
  assert.ok(shown.length > 0 && shown.every((k) => k.startsWith("hubspot/deal/")));
  const total = (await countText()).split(" of ")[0];
  assert.ok(status.includes(`Exported ${total} items`), status);
  await shot("export");
});
