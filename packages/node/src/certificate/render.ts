// The printable side of a rights certificate: the same page as a PDF and as a PNG, each with a
// QR code that opens the verification page. Both renderers draw one layout (layout.ts), and
// neither reads a clock, so the same content always gives the same bytes.
import { layoutCertificate } from './layout.js';
import { renderLayoutPdf } from './pdf.js';
import { renderLayoutPng } from './png.js';

export interface CertificateContent {
  /** What the holder holds: 'owner' (of the work), 'edition-holder' (edition n of N), 'licensee'. */
  kind: 'owner' | 'edition-holder' | 'licensee';
  /** 64 hex chars typically. */
  assetId: string;
  /** May contain Chinese (CJK) characters. */
  assetTitle: string;
  /** did:key:z6Mk... (about 56 chars); name may be Chinese. */
  holder: { did: string; name: string };
  /** The ledger operator. */
  issuer: { did: string; name: string };
  /** Lines describing the right, already phrased, e.g. "Edition 3 of 100", "Territory: worldwide". */
  rights: string[];
  evidence: { origin: string; entryIndex: number; txId: string; treeSize: number; rootHash: string };
  /** urn:uuid:... */
  credentialId: string;
  /** ISO date-time; also the PDF's creation date. */
  issuedAt: string;
  /** What the QR code opens, e.g. http://localhost:7470/verify?asset=<id>. */
  verifyUrl: string;
}

/**
 * A one-page A4 PDF 1.7 with the standard (non-embedded) Helvetica and STSong-Light fonts.
 * Both renderers throw if verifyUrl is empty or too long for a QR code (about 2,300 bytes).
 */
export function renderCertificatePdf(content: CertificateContent): Uint8Array {
  return renderLayoutPdf(layoutCertificate(content));
}

/** A 1240 x 1754 PNG (A4 at 150 dpi); its text is ASCII only, other characters show as boxes. */
export function renderCertificatePng(content: CertificateContent): Uint8Array {
  return renderLayoutPng(layoutCertificate(content));
}
