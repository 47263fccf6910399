// End-to-end: contacts flow of the real desktop app on an empty data dir.
// Run through ui/e2e/run.sh (Xvfb + tauri-driver + OMNICRM_DATA_DIR); selectors are the
// data-testid hooks listed in ui/e2e/README.md.
import { describe, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  FIRST_TIMEOUT,
  TIMEOUT,
  click,
  clickUntil,
  clearInput,
  fill,
  gone,
  saveScreenshot,
  sel,
  settled,
  startSession,
  stepper,
  visible,
  withText,
} from './helpers.mjs';

const NAME = 'Maya Lindqvist';
const mayaRow = withText('contacts-row', NAME);

let browser;
const step = stepper(() => browser);

/** Make sure the contacts list is on screen (the app may have navigated to a detail view). */
async function showContacts() {
  const search = await browser.$(sel('contacts-search'));
  if (!(await search.isDisplayed().catch(() => false))) {
    await click(browser, 'nav-contacts');
  }
  return visible(browser, sel('contacts-search'), 'the contacts search box');
}

describe('contacts', { concurrency: false }, () => {
  after(async () => {
    if (browser) await browser.deleteSession().catch(() => {});
  });

  step('1. the app starts on an empty data dir and shows the empty state', async () => {
    browser = await startSession();
    await visible(browser, sel('nav-contacts'), 'the sidebar link nav-contacts', FIRST_TIMEOUT);
    await clickUntil(browser, sel('nav-contacts'), sel('contacts-page'), 'contacts-page after clicking nav-contacts');
    await visible(browser, sel('contacts-empty'), 'contacts-empty (empty state on a fresh data dir)');
  });

  step('2. new contact: invalid email is rejected inline, then saved', async () => {
    await click(browser, 'contacts-new-button');
    await visible(browser, sel('contact-form'), 'the contact form after clicking contacts-new-button');
    await fill(browser, 'field-display_name', NAME);
    await fill(browser, 'field-email-0', 'not-an-email');
    await click(browser, 'contact-form-submit');
    await visible(
      browser,
      sel('field-error-emails[0].address'),
      'the inline error field-error-emails[0].address for "not-an-email"',
    );
    assert.ok(await browser.$(sel('contact-form')).isDisplayed(), 'the form stays open on a validation error');

    await fill(browser, 'field-email-0', 'maya@example.com');
    await fill(browser, 'field-phone-0', '+1 415 555 0134');
    await click(browser, 'contact-form-submit');
    await gone(browser, sel('contact-form'), 'the contact form (it should close after a successful save)');
  });

  step('3. search finds the new contact', async () => {
    const search = await showContacts();
    await clearInput(browser, search);
    await search.addValue('Lindq');
    await visible(browser, mayaRow, `a contacts-row containing "${NAME}" after searching "Lindq"`);
    await settled(browser, mayaRow, 'the search results');
  });

  step('4. clicking the row opens the detail view', async () => {
    await visible(browser, mayaRow, `the contacts-row for "${NAME}"`);
    await clickUntil(browser, mayaRow, sel('contact-detail'), 'contact-detail after clicking the row');
    const name = await visible(browser, sel('contact-detail-name'), 'contact-detail-name');
    await browser.waitUntil(async () => (await name.getText()).includes(NAME), {
      timeout: TIMEOUT,
      timeoutMsg: `Expected contact-detail-name to contain "${NAME}", got "${await name.getText()}"`,
    });
  });

  step('5. delete shows an undo toast; undo brings the contact back', async () => {
    await click(browser, 'contact-delete-button');
    await visible(browser, sel('toast'), 'the toast after deleting');
    await gone(browser, mayaRow, `the contacts-row for "${NAME}" after deleting`);
    await click(browser, 'toast-undo-button', 'toast-undo-button in the toast');
    await showContacts();
    await visible(browser, mayaRow, `the contacts-row for "${NAME}" after undo`);
  });

  step('6. clear the search and take a screenshot of the contacts page', async () => {
    const search = await showContacts();
    await clearInput(browser, search);
    await browser.waitUntil(async () => (await search.getValue()) === '', {
      timeout: TIMEOUT,
      timeoutMsg: 'Expected the contacts search box to be empty',
    });
    await visible(browser, mayaRow, `the contacts-row for "${NAME}" with an empty search`);
    await visible(browser, sel('contacts-table'), 'contacts-table');
    // A screenshot can lag a frame behind the DOM: give the page a moment to paint.
    await browser.pause(300);
    const file = await saveScreenshot(browser, 'contacts-page.png');
    console.log(`# screenshot: ${file}`);
  });
});
