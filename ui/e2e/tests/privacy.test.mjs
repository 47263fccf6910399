// End-to-end: a new data folder is encrypted at rest. Settings → Privacy says so in plain words,
// shows the recovery key as seventeen groups of four characters when asked, and saves it to a
// new file only the user can read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_TIMEOUT, click, clickUntil, fill, gone, saveScreenshot, sel, startSession, stepper, visible } from './helpers.mjs';

// No doubled characters: WebKitWebDriver drops the second of two equal keys in a row.
const KEY_FILE = path.join(os.tmpdir(), `omnicrm-recovery-key-${String(Date.now()).replace(/(.)\1+/g, '$1')}.txt`);
let shownKey = '';

let browser;
const step = stepper(() => browser);

describe('privacy', { concurrency: false }, () => {
  after(async () => {
    if (browser) await browser.deleteSession().catch(() => {});
    fs.rmSync(KEY_FILE, { force: true });
  });

  step('1. Settings → Privacy says the data is encrypted', async () => {
    browser = await startSession();
    await visible(browser, sel('nav-settings'), 'the sidebar link nav-settings', FIRST_TIMEOUT);
    await clickUntil(browser, sel('nav-settings'), sel('settings-page'), 'settings-page');
    await clickUntil(browser, sel('settings-nav-privacy'), `${sel('privacy-section')}[data-state="encrypted"]`, 'the Privacy section, encrypted');
    const summary = await visible(browser, sel('privacy-summary'), 'the encryption summary');
    assert.match(await summary.getText(), /^Encrypted\. The key is kept in /);
  });

  step('2. the recovery key is shown when asked', async () => {
    await click(browser, 'privacy-show-key');
    const key = await visible(browser, sel('privacy-recovery-key'), 'the recovery key');
    const groups = await key.$$('.recovery-key__group');
    assert.equal(groups.length, 17);
    assert.match(await groups[0].getText(), /^[0-9a-f]{4}$/);
    shownKey = (await key.getText()).replace(/\s+/g, '');
    await saveScreenshot(browser, 'privacy.png');
  });

  step('3. the recovery key is saved to a new file only the user can read', async () => {
    await click(browser, 'privacy-save-key');
    await fill(browser, 'privacy-save-path', KEY_FILE);
    await click(browser, 'privacy-save-submit');
    await gone(browser, sel('privacy-save-form'), 'the save form after saving');
    assert.equal(fs.readFileSync(KEY_FILE, 'utf8').trim().replaceAll('-', ''), shownKey);
    assert.equal(shownKey.length, 68);
    assert.equal(fs.statSync(KEY_FILE).mode & 0o777, 0o600);
  });
});
