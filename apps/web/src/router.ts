import { ref } from 'vue';

/** The console's pages; a tiny history router is all these screens need. */
export const PAGES = {
  login: '/dang-nhap',
  dashboard: '/',
  programmes: '/chuong-trinh',
  schedule: '/lich-phat-song',
  commune: '/tram-xa',
  live: '/phat-truc-tiep',
  logbook: '/nhat-ky',
  reports: '/bao-cao',
  admin: '/quan-tri',
} as const;
export type Page = keyof typeof PAGES;

export const path = ref(location.pathname);

export function navigate(to: string): void {
  if (to === path.value) return;
  history.pushState(null, '', to);
  path.value = to;
}

window.addEventListener('popstate', () => (path.value = location.pathname));

export function pageOf(p: string): Page | null {
  const found = (Object.keys(PAGES) as Page[]).find((k) => PAGES[k] === p.replace(/\/+$/, '') || (k === 'dashboard' && p === '/'));
  return found ?? null;
}
