// Files the page gives the holder (key files, receipts): made in the page, saved by the browser.
import { useEffect, useState } from 'preact/hooks';

/** An object URL for `text` while the component shows it; revoked when it changes or goes. */
export function useTextUrl(text: string | undefined, type = 'application/json'): string | undefined {
  const [url, setUrl] = useState<string | undefined>();
  useEffect(() => {
    if (text === undefined) {
      setUrl(undefined);
      return;
    }
    const made = URL.createObjectURL(new Blob([text], { type }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [text, type]);
  return url;
}

/** Save `text` as a file named `name` (a click on a temporary link with `download`). */
export function saveText(text: string, name: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
