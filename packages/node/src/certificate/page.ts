// Page geometry shared by the layout and both renderers. Layout coordinates are PDF points
// (1/72 inch) measured from the top-left corner; the PDF writer flips y, the PNG scales.

/** A4 in points. */
export const PAGE_WIDTH_PT = 595;
export const PAGE_HEIGHT_PT = 842;

/** The PNG is the same page at 150 dpi: 1240 x 1754 pixels. */
export const PNG_PIXELS_PER_POINT = 150 / 72;
export const PNG_WIDTH_PX = Math.round(PAGE_WIDTH_PT * PNG_PIXELS_PER_POINT);
export const PNG_HEIGHT_PX = Math.round(PAGE_HEIGHT_PT * PNG_PIXELS_PER_POINT);
