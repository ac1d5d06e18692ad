/**
 * CNY amounts on the record are decimal strings with at most two decimals; arithmetic on them is
 * done in integer fen (1/100 yuan) with BigInt, so that a split always adds up to the price.
 */

/** The amount in fen. `amount` must match CnyAmountSchema (the schema is checked before). */
export function toFen(amount: string): bigint {
  const [yuan, fraction = ''] = amount.split('.');
  return BigInt(yuan!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** A fen amount as a decimal string with two decimals, e.g. 12345n -> "123.45". */
export function fromFen(fen: bigint): string {
  const text = fen.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** `basisPoints` of `fen`, rounded down (the remainder stays with the seller). */
export function shareOf(fen: bigint, basisPoints: number): bigint {
  return (fen * BigInt(basisPoints)) / 10_000n;
}
