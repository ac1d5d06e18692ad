import QRCode from 'qrcode';

/** A QR symbol's modules, without the quiet zone. */
export interface QrMatrix {
  /** Modules per side. */
  size: number;
  isDark(row: number, column: number): boolean;
}

/** Both renderers leave this many light modules around the symbol, as ISO/IEC 18004 requires. */
export const QR_QUIET_ZONE_MODULES = 4;

/** Encodes text at error-correction level M (about 15% of the symbol may be damaged). */
export function qrMatrix(text: string): QrMatrix {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, isDark: (row, column) => modules.get(row, column) !== 0 };
}
