/**
 * Reports as CSV (RFC 4180): CRLF between records, a field quoted when it holds a comma, a quote,
 * CR or LF, quotes inside doubled. Text from the record is untrusted: a field that a spreadsheet
 * would take for a formula (starting with =, +, -, @, tab or CR; OWASP "CSV injection") gets a
 * leading apostrophe, so it is shown as text.
 */

export type CsvValue = string | number | bigint | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field, escaped. Numbers are written as they are (a negative number is not a formula). */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header line and the records, each line ended with CRLF (RFC 4180 §2). */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
