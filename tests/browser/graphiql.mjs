// GraphiQL in headless chromium, as a person would use it: the test (tests/graph/test_graphiql_browser.py)
// sends one JSON command a line on stdin and reads one JSON reply a line on stdout, so the checks
// and the server-side steps stay in Python. Every wait is bounded (playwright's timeouts).
//
//   {"open": url}            -> {"headers": text}                 the page, once its editors are up
//   {"run": operation}       -> {"result": text, "headers": text} ▶, the operation; its result pane
//   {"start": operation}     -> {"running": true}                 ▶, a subscription: sent, not yet answered
//   {"next": true}           -> {"result": text}                  the subscription's first event
//   {"variables": text}      -> {"variables": text}               typed into the Variables editor
//   {"screenshot": path}     -> {"saved": path}
// A failure replies {"error": message} after a screenshot next to the others (graphiql-failure.png).
import path from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const [executablePath, artifacts] = process.argv.slice(2);
const TIMEOUT_MS = 15_000;
const QUERY = ".graphiql-query-editor .CodeMirror";
const RESULT = ".result-window .CodeMirror";
const TOOL = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";
const EXECUTE = ".graphiql-execute-button";

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"], timeout: TIMEOUT_MS });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.setDefaultTimeout(TIMEOUT_MS);

const text = (selector) => page.locator(selector).evaluate((editor) => editor.CodeMirror.getValue());

async function tool(name) {
  await page.getByRole("button", { name, exact: true }).click();
  return text(TOOL);
}

async function pick(operation) {
  // scrolled into view, as a person would, so the screenshots show it; then ▶ and its name
  await page.locator(QUERY).evaluate((editor, name) => {
    const lines = editor.CodeMirror.getValue().split("\n");
    const line = lines.findIndex((text) => /^(query|mutation|subscription) (\w+)/.exec(text)?.[2] === name);
    editor.CodeMirror.scrollTo(null, editor.CodeMirror.heightAtLine(Math.max(line, 0), "local"));
  }, operation);
  await page.locator(EXECUTE).click();
  await page.getByRole("menuitem", { name: operation, exact: true }).click();
}

const commands = {
  async open(url) {
    await page.goto(url);
    await page.locator(QUERY).waitFor();
    return { headers: await tool("Headers") };
  },
  async run(operation) {
    const before = await text(RESULT);
    await pick(operation);
    await page.waitForFunction(
      ([selector, before]) => {
        const shown = document.querySelector(selector).CodeMirror.getValue();
        return shown !== "" && shown !== before;
      },
      [RESULT, before],
    );
    await page.locator(`${EXECUTE}[aria-label^="Execute"]`).waitFor();
    return { result: await text(RESULT), headers: await tool("Headers") };
  },
  async start(operation) {
    await pick(operation);
    await page.locator(`${EXECUTE}[aria-label^="Stop"]`).waitFor();
    return { running: true };
  },
  async next() {
    await page.waitForFunction((selector) => document.querySelector(selector).CodeMirror.getValue() !== "", RESULT);
    return { result: await text(RESULT) };
  },
  async variables(value) {
    await tool("Variables");
    await page.locator(TOOL).click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText(value);
    return { variables: await text(TOOL) };
  },
  async screenshot(file) {
    await page.screenshot({ path: file });
    return { saved: file };
  },
};

try {
  for await (const line of createInterface({ input: process.stdin })) {
    const [[name, argument]] = Object.entries(JSON.parse(line));
    let reply;
    try {
      reply = await commands[name](argument);
    } catch (error) {
      await page.screenshot({ path: path.join(artifacts, "graphiql-failure.png") }).catch(() => {});
      reply = { error: `${name}: ${error.message}` };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
} finally {
  await browser.close();
}
