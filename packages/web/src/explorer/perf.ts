// The "app rendered" marks the web benchmark reads (benchmarks/web/): one per page, set once its
// main content is on screen.
const marked = new Set<string>();

/** Mark `cinnabar:rendered:<page>` in the Performance timeline, the first time only. */
export function markRendered(page: string): void {
  if (marked.has(page)) return;
  marked.add(page);
  performance.mark(`cinnabar:rendered:${page}`);
}
