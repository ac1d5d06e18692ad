// Steps the wallet's browser tests share: make a PNG, make and register an identity in the page,
// register a work through the register page, export and import key files, and watch every request
// the page sends (to show that no private key is ever in one).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { PNG } from 'pngjs';

/** A small PNG of random noise (so no two are near-duplicates of each other). */
export function makePng(width = 48, height = 32): Buffer {
  const png = new PNG({ width, height });
  const noise = randomBytes(width * height * 4);
  for (let i = 0; i < noise.length; i++) png.data[i] = i % 4 === 3 ? 255 : noise[i]!;
  return PNG.sync.write(png);
}

/** Create an identity in the page's browser (its key made there) and register it on the ledger. */
export async function createAndRegisterIdentity(page: Page, name: string): Promise<string> {
  await page.getByText('Create a new identity', { exact: true }).click();
  await page.getByLabel('Label (optional)').fill(name);
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByText(/^Created did:key:/).waitFor();
  await page.getByLabel('Name on the record').fill(name);
  await page.getByRole('button', { name: 'Sign and register identity' }).click();
  await page.getByText(/Identity registered \(log entry \d+\)/).waitFor();
  return activeDid(page);
}

export async function activeDid(page: Page): Promise<string> {
  return (await page.getByTestId('active-did').textContent())!.trim();
}

/** Drop `bytes` on the register page's drop zone as the file `name`, as a person dragging it would. */
export async function dropFile(page: Page, bytes: Buffer, name: string, type: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ base64, name, type }) => {
      const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([raw], name, { type }));
      return transfer;
    },
    { base64: bytes.toString('base64'), name, type },
  );
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer });
}

/** On /register with a registered identity active: upload `png`, describe it, sign; returns the asset id. */
export async function registerWork(page: Page, png: Buffer, title: string): Promise<string> {
  await dropFile(page, png, `${title}.png`, 'image/png');
  await page.getByRole('button', { name: 'Upload and inspect' }).click();
  await page.getByRole('heading', { name: '2. What the node found' }).waitFor();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Creator 1: name').fill('Test Creator');
  await page.getByRole('button', { name: 'Sign and register', exact: true }).click();
  await page.getByRole('heading', { name: '4. Registered' }).waitFor();
  return (await page.getByTestId('asset-id').textContent())!.trim();
}

/** Export the active identity's key file from the page (optionally encrypted); returns its path. */
export async function exportKey(page: Page, dir: string, file: string, passphrase?: string): Promise<string> {
  await page.getByText('Export or remove this identity', { exact: true }).click();
  if (passphrase) {
    await page.getByLabel('Passphrase (optional)').fill(passphrase);
    await page.getByLabel('Passphrase again').fill(passphrase);
  }
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export key file' }).click();
  const path = join(dir, file);
  await (await download).saveAs(path);
  await page
    .getByText(passphrase ? 'Saved an encrypted key file.' : /Saved an unencrypted key file/)
    .waitFor();
  await page.getByText('Export or remove this identity', { exact: true }).click();
  return path;
}

/** Import a key file in the page (with its passphrase if it has one). */
export async function importKey(page: Page, path: string, passphrase?: string): Promise<string> {
  await page.getByText('Import a key file', { exact: true }).click();
  await page.getByLabel('Key file', { exact: true }).setInputFiles(path);
  if (passphrase) await page.getByLabel('Passphrase of the key file').fill(passphrase);
  await page.getByRole('button', { name: 'Import key' }).click();
  await page.getByText(/^Imported did:key:/).waitFor({ timeout: 30_000 });
  return activeDid(page);
}

export interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Every request the page sends, with its headers and body, from now on. */
export function recordRequests(page: Page): SentRequest[] {
  const sent: SentRequest[] = [];
  page.on('request', (request: Request) => {
    const body = request.postDataBuffer();
    sent.push({ url: request.url(), headers: request.headers(), body: body ? body.toString('latin1') : '' });
  });
  return sent;
}

export async function writeText(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
