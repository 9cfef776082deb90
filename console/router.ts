import { signal } from '@preact/signals';

export interface Place {
  path: string;
  params: URLSearchParams;
}

const here = (): Place => ({
  path: location.pathname.replace(/\/+$/, '') || '/',
  params: new URLSearchParams(location.search),
});

/** Where the page is: every page of the console has its own URL. */
export const place = signal<Place>(here());

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  place.value = here();
  window.scrollTo(0, 0);
}

addEventListener('popstate', () => {
  place.value = here();
});

// Links within the console change the page without a reload; others (the explorer) load normally.
document.addEventListener('click', (event) => {
  const a = (event.target as Element | null)?.closest?.('a');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/console') || a.target) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

/** The path of this page with some query parameters changed (undefined or '' removes one). */
export function withParams(changes: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams(place.value.params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') p.delete(k);
    else p.set(k, String(v));
  }
  const s = p.toString();
  return location.pathname + (s ? `?${s}` : '');
}
