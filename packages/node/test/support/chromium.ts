// A real, headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (no Playwright-downloaded browser). A missing browser is an error, never a skipped test.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Launch headless Chromium; throws if it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error('Chromium is missing, install it with `apt-get update && apt-get install -y chromium`');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export interface PageProblems {
  /** Every console error, uncaught page error and failed request not yet asserted on, in order. */
  readonly problems: readonly string[];
  /**
   * Fail (assert) if anything went wrong in the page since the last call, and start afresh (so each
   * test reports its own). Call it at the end of each test.
   */
  assertNone(): void;
}

/**
 * Watch `page` for console errors (this includes CORS refusals and failed resource loads), uncaught
 * errors and unhandled rejections, and requests that failed at the network level. Attach it before
 * navigating. Errors the page catches itself are not reported, so expected failures are fine.
 */
export function watchPageProblems(page: Page): PageProblems {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url, lineNumber } = message.location();
    problems.push(`console error: ${message.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
  });
  page.on('pageerror', (error) => {
    problems.push(`page error: ${error.stack ?? error.message}`);
  });
  page.on('requestfailed', (request) => {
    problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  return {
    problems,
    assertNone() {
      const seen = problems.splice(0);
      assert.deepEqual(seen, [], `the page reported errors:\n${seen.join('\n')}`);
    },
  };
}
