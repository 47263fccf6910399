// Shared helpers for the OmniCRM WebDriver tests (tauri-driver + WebKitWebDriver).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { remote, Key } from 'webdriverio';

const here = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.resolve(here, '..');
export const REPO_ROOT = path.resolve(E2E_DIR, '..', '..');
export const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(E2E_DIR, 'artifacts');

/** Default wait for one UI step, in ms (E2E_TIMEOUT_MS overrides). */
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 10_000);
/** The very first wait also covers WebKit start-up and the first render. */
export const FIRST_TIMEOUT = Math.max(TIMEOUT, Number(process.env.E2E_FIRST_TIMEOUT_MS || 30_000));

export function appPath() {
  if (process.env.E2E_APP) return path.resolve(process.env.E2E_APP);
  const target = process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, 'target');
  return path.resolve(target, 'debug', 'omnicrm-desktop');
}

export function driverPort() {
  return Number(process.env.E2E_DRIVER_PORT || process.env.TAURI_DRIVER_PORT || 4444);
}

/** Start a WebDriver session with tauri-driver, which launches the app. */
export async function startSession() {
  const application = appPath();
  if (!fs.existsSync(application)) {
    throw new Error(
      `Desktop binary not found at ${application}.\n` +
        'Build it first: cargo build -p omnicrm-desktop (or set E2E_APP=/path/to/binary).',
    );
  }
  const port = driverPort();
  try {
    return await remote({
      hostname: '127.0.0.1',
      port,
      path: '/',
      logLevel: process.env.E2E_WDIO_LOG || 'warn',
      connectionRetryCount: 1,
      connectionRetryTimeout: Number(process.env.E2E_SESSION_TIMEOUT_MS || 60_000),
      capabilities: {
        // No browserName: WebKitWebDriver offers no browser named like the app and would refuse
        // to match; a hostname/port also keeps WebdriverIO from downloading any driver.
        'tauri:options': { application },
        // tauri-driver does not proxy WebDriver BiDi: stay on classic WebDriver.
        'wdio:enforceWebDriverClassic': true,
      },
    });
  } catch (err) {
    throw new Error(
      `Could not start a WebDriver session through tauri-driver on 127.0.0.1:${port} ` +
        `for ${application}.\nIs tauri-driver running (ui/e2e/run.sh starts it under Xvfb)? ` +
        `Does the app start by itself (DISPLAY=:N ${application})?\nCause: ${err && err.message}`,
    );
  }
}

export const sel = (testId) => `[data-testid="${testId}"]`;

/** XPath for an element with data-testid `testId` whose text contains `text`. */
export const withText = (testId, text) =>
  `//*[@data-testid=${xpathLiteral(testId)}][contains(normalize-space(.), ${xpathLiteral(text)})]`;

function xpathLiteral(s) {
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  return `concat('${s.split("'").join(`', "'", '`)}')`;
}

/** Wait until the element is displayed and return it. */
export async function visible(browser, selector, what, timeout = TIMEOUT) {
  const el = await browser.$(selector);
  await el.waitForDisplayed({
    timeout,
    timeoutMsg: `Expected ${what ?? selector} to be visible within ${timeout / 1000} s`,
  });
  return el;
}

/** Wait until no element matching the selector is displayed. */
export async function gone(browser, selector, what, timeout = TIMEOUT) {
  await browser.waitUntil(
    async () => {
      for (const el of await browser.$$(selector)) {
        if (await el.isDisplayed().catch(() => false)) return false;
      }
      return true;
    },
    { timeout, interval: 200, timeoutMsg: `Expected ${what ?? selector} to disappear within ${timeout / 1000} s` },
  );
}

export async function click(browser, testId, what) {
  const el = await visible(browser, sel(testId), what ?? `[data-testid="${testId}"]`);
  await el.waitForClickable({ timeout: TIMEOUT, timeoutMsg: `Expected ${testId} to be clickable` });
  await el.click();
  return el;
}

/**
 * Empty an input the way a user would (select all + Backspace) so React sees input events;
 * fall back to setting the value through the native setter and dispatching an input event.
 */
export async function clearInput(browser, el) {
  await el.click();
  await browser.keys([Key.Ctrl, 'a']);
  await browser.keys([Key.Backspace]);
  if ((await el.getValue()) !== '') {
    await browser.execute((node) => {
      const proto = node instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, 'value').set.call(node, '');
      node.dispatchEvent(new Event('input', { bubbles: true }));
      node.dispatchEvent(new Event('change', { bubbles: true }));
    }, el);
  }
}

/** Replace the value of the input with data-testid `testId` by typing `text`. */
export async function fill(browser, testId, text) {
  const el = await visible(browser, sel(testId), `input [data-testid="${testId}"]`);
  await clearInput(browser, el);
  await el.addValue(text);
  await browser.waitUntil(async () => (await el.getValue()) === text, {
    timeout: TIMEOUT,
    interval: 100,
    timeoutMsg: `Expected [data-testid="${testId}"] to hold ${JSON.stringify(text)}, ` +
      `has ${JSON.stringify(await el.getValue().catch(() => '?'))}`,
  });
  return el;
}

/**
 * Click `selector` (re-queried each time) until `expected` is displayed: a click that lands
 * while the list re-renders (e.g. a debounced search answering) is retried.
 */
export async function clickUntil(browser, selector, expected, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const el = await browser.$(selector);
      if (await el.isDisplayed()) {
        await el.click();
        await browser.$(expected).waitForDisplayed({ timeout: Math.min(3000, Math.max(500, deadline - Date.now())) });
        return;
      }
    } catch (err) {
      lastError = err;
    }
    await browser.pause(200);
  }
  throw new Error(
    `Expected ${what} within ${timeout / 1000} s` + (lastError ? ` (last error: ${lastError.message})` : ''),
  );
}

/** Wait until the element matching `selector` stays the same DOM node for `quietMs`. */
export async function settled(browser, selector, what, quietMs = 500, timeout = TIMEOUT) {
  let lastId = null;
  let since = Date.now();
  await browser.waitUntil(
    async () => {
      const el = await browser.$(selector);
      const id = (await el.isExisting()) ? el.elementId : null;
      if (id !== lastId) {
        lastId = id;
        since = Date.now();
        return false;
      }
      return id !== null && Date.now() - since >= quietMs;
    },
    { timeout, interval: 100, timeoutMsg: `Expected ${what} to stop re-rendering within ${timeout / 1000} s` },
  );
}

export async function saveScreenshot(browser, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await browser.saveScreenshot(file);
  return file;
}

/** Best effort: screenshot and page source for a failed step. */
export async function saveFailureArtifacts(browser, step) {
  if (!browser) return;
  const base = `failure-${step.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  try {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await browser.saveScreenshot(path.join(ARTIFACTS, `${base}.png`));
    fs.writeFileSync(path.join(ARTIFACTS, `${base}.html`), await browser.getPageSource());
    console.error(`# saved ${base}.png and ${base}.html in ${ARTIFACTS}`);
  } catch (err) {
    console.error(`# could not save failure artifacts: ${err && err.message}`);
  }
}

/**
 * Sequential steps for one test file: once a step fails, later steps are skipped, and the
 * failing step saves a screenshot and the page HTML. `getBrowser` returns the current session.
 */
export function stepper(getBrowser) {
  let failed = null; // name of the first failed step
  return function step(name, fn) {
    it(name, async (t) => {
      if (failed) {
        t.skip(`skipped: earlier step failed (${failed})`);
        return;
      }
      try {
        await fn();
      } catch (err) {
        failed = name;
        await saveFailureArtifacts(getBrowser(), name);
        throw err;
      }
    });
  };
}
