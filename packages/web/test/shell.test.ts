// The app's shell in a real browser against a real node: it loads at / and at a deep link, switches
// between English and Chinese, and reports an unknown path; no console errors on the way.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type WebFixture, webFixture } from './support/web-fixture.js';

describe('web app shell', () => {
  let web: WebFixture;
  before(async () => {
    web = await webFixture('shell', { demo: false });
  });
  after(() => web?.close());

  test('loads, switches language, and says when a page does not exist', async () => {
    const { context, page, problems } = await web.newPage();
    await page.goto('/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByLabel('Language').selectOption('zh');
    await page.getByRole('link', { name: '浏览' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await page.goto('/no/such/page');
    await page.getByText('此处没有页面。').waitFor();
    await web.screenshot(page, 'not-found-zh');
    problems.assertNone();
    await context.close();
  });
});
