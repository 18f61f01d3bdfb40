// Browser driver for the Go end-to-end test. It launches Debian's Chromium
// through playwright-core (CDP) or Debian's Firefox ESR through
// puppeteer-core (WebDriver BiDi), then runs one command per line read from
// stdin, answering each with one JSON line on stdout. Page console output
// and driver diagnostics go to stderr.
//
// Start-up options come as one JSON argument:
//   {"browser": "chromium"|"firefox", "executablePath", "userDataDir",
//    "args": [...] (Chromium), "prefs": {...} (Firefox), "axePath"}
// Commands: {"id", "op", ...}
//   open       {page, url, cg, init}  new tab named page; init: scripts (paths)
//                                     run before the page's own; cg: wait for
//                                     window.cg
//   eval       {page, fn, args}       await window.cg[fn](...args)
//   click      {page, selector}       a real mouse click on the element (CSS
//                                     selectors reach into open shadow roots)
//   press      {page, key}            one key press, e.g. "Tab", "Enter"
//   type       {page, text}           key presses for each character
//   screenshot {page, path, selector} the page, or one element of it
//   axe        {page}                 axe-core violations on the page
//   close      {page}
//   quit                              close the browser and exit
// click, press and type are for Chromium (playwright-core) only.
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';

const opts = JSON.parse(process.argv[2] || '{}');
const log = (...a) => process.stderr.write('driver: ' + a.join(' ') + '\n');

// launch returns {newPage, close, version} for the chosen browser.
async function launch() {
  if (opts.browser === 'firefox') {
    const { default: puppeteer } = await import('puppeteer-core');
    const browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: opts.executablePath,
      userDataDir: opts.userDataDir,
      headless: true,
      extraPrefsFirefox: opts.prefs || {},
      defaultViewport: { width: 800, height: 600 },
      timeout: 60000,
    });
    return {
      version: await browser.version(),
      newPage: () => browser.newPage(),
      close: () => browser.close(),
    };
  }
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(opts.userDataDir, {
    executablePath: opts.executablePath,
    headless: true,
    args: opts.args || [],
    ignoreDefaultArgs: ['--mute-audio'],
    viewport: { width: 800, height: 600 },
    // axe-core is injected as an inline script; callgate's CSP forbids those.
    bypassCSP: true,
    timeout: 30000,
  });
  return {
    version: 'chromium',
    newPage: () => context.newPage(),
    close: () => context.close(),
  };
}

const browser = await launch();
const pages = new Map();

function pageOf(name) {
  const p = pages.get(name);
  if (!p) throw new Error(`no page named ${name}`);
  return p;
}

// Both libraries take one argument after the function: pass an array.
const ops = {
  async open({ page, url, cg, init }) {
    const p = await browser.newPage();
    p.on('console', (m) => log(`[${page}] console.${m.type()}: ${m.text()}`));
    p.on('pageerror', (e) => log(`[${page}] page error: ${e}`));
    p.setDefaultTimeout(30000);
    for (const path of init || []) {
      if (typeof p.addInitScript === 'function') await p.addInitScript({ path });
      else await p.evaluateOnNewDocument(readFileSync(path, 'utf8'));
    }
    await p.goto(url, { waitUntil: 'load' });
    pages.set(page, p);
    // Polled rather than waitForFunction, whose arguments differ between
    // the two libraries.
    const end = Date.now() + 10000;
    while (cg && !(await p.evaluate(() => window.cg !== undefined))) {
      if (Date.now() > end) throw new Error(`${url} did not define window.cg within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { title: await p.title() };
  },
  async eval({ page, fn, args }) {
    return pageOf(page).evaluate(
      async ([f, a]) => {
        if (!window.cg || typeof window.cg[f] !== 'function') throw new Error(`window.cg.${f} is not a function`);
        return window.cg[f](...a);
      },
      [fn, args || []],
    );
  },
  async click({ page, selector }) {
    await pageOf(page).locator(selector).click({ timeout: 10000 });
    return true;
  },
  async press({ page, key }) {
    await pageOf(page).keyboard.press(key);
    return true;
  },
  async type({ page, text }) {
    await pageOf(page).keyboard.type(text, { delay: 20 });
    return true;
  },
  async screenshot({ page, path, selector }) {
    const p = pageOf(page);
    if (selector) await p.locator(selector).screenshot({ path, timeout: 10000 });
    else await p.screenshot({ path, fullPage: true });
    return { path };
  },
  async axe({ page }) {
    const p = pageOf(page);
    await p.addScriptTag({ path: opts.axePath });
    return p.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
    });
  },
  async close({ page }) {
    await pageOf(page).close();
    pages.delete(page);
    return true;
  },
};

const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
send({ id: 0, ok: true, result: { version: browser.version } });

// Commands run concurrently (a call can wait for an incoming INVITE while
// the test makes the phone dial); each answer carries its command's id.
const running = new Set();
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line);
  if (cmd.op === 'quit') break;
  const job = (async () => {
    try {
      const fn = ops[cmd.op];
      if (!fn) throw new Error(`unknown op ${cmd.op}`);
      send({ id: cmd.id, ok: true, result: (await fn(cmd)) ?? null });
    } catch (e) {
      send({ id: cmd.id, ok: false, error: String(e && e.message ? e.message : e) });
    }
  })();
  running.add(job);
  job.finally(() => running.delete(job));
}
await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 5000))]);
await Promise.race([browser.close().catch((e) => log('close: ' + e)), new Promise((r) => setTimeout(r, 10000))]);
process.exit(0);
