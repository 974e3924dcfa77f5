// Runs axe-core on every page listed, in one headless Chromium (through
// playwright-core), and prints one JSON line per page: its violations and
// every host the page asked anything of.
//
//   node axe_pages.js BASE_URL PAGES_FILE AXE_JS TAGS_JSON CHROMIUM
//
// PAGES_FILE holds a path per line, relative to BASE_URL.
const fs = require("fs");
const { chromium } = require("playwright-core");

async function main() {
  const [base, pagesFile, axePath, tagsJson, executablePath] = process.argv.slice(2);
  const tags = JSON.parse(tagsJson);
  const pages = fs.readFileSync(pagesFile, "utf8").split("\n").filter(Boolean);
  const browser = await chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  let hosts = new Set();
  page.on("request", (request) => {
    const url = new URL(request.url());
    hosts.add(url.protocol === "data:" ? "data:" : url.host);
  });
  for (const path of pages) {
    hosts = new Set();
    const response = await page.goto(base + path, { waitUntil: "load" });
    await page.addScriptTag({ path: axePath });
    const violations = await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
      return result.violations.flatMap((v) =>
        v.nodes.map((n) => v.id + ": " + n.html.slice(0, 160))
      );
    }, tags);
    console.log(
      JSON.stringify({
        page: path,
        status: response ? response.status() : 0,
        violations,
        hosts: [...hosts],
      })
    );
  }
  await browser.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
