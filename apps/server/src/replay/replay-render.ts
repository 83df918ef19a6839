import { XMLBuilder } from 'fast-xml-parser';
import { LocalTime } from '../logbook/local-time';
import type { ReplayItem, ReplayPage } from './replay.service';
import { fromInstant } from '@loa/protocol';

/** Where the replay pages live under the API. */
export const REPLAY_BASE = '/api/nghe-lai';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const two = (n: number) => String(n).padStart(2, '0');

export function pagePath(slug: string): string {
  return `${REPLAY_BASE}/${encodeURIComponent(slug)}`;
}

export function audioPath(slug: string, item: Pick<ReplayItem, 'key'>): string {
  return `${pagePath(slug)}/audio/${item.key}.mp3`;
}

/** "05:30 ngày 01/12/2026", in the station's zone. */
export function airTime(instant: string, zone: LocalTime): string {
  const w = zone.wall(instant);
  return `${two(w.getUTCHours())}:${two(w.getUTCMinutes())} ngày ${two(w.getUTCDate())}/${two(w.getUTCMonth() + 1)}/${w.getUTCFullYear()}`;
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} giây` : `${Math.floor(s / 60)} phút ${two(s % 60)} giây`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;color:#1b1f24;background:#f5f6f8}
header,main,footer{max-width:44rem;margin:0 auto;padding:0 1rem}
header{padding-top:1.25rem}
h1{font-size:1.5rem;margin:.25rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1.05rem;margin:0 0 .25rem;overflow-wrap:anywhere}
.sub{color:#4a5360;margin:0}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.75rem 0}
select,button{font:inherit;padding:.4rem .6rem;border-radius:.4rem;border:1px solid #9aa3ad;background:#fff;min-height:2.5rem}
ul{list-style:none;padding:0;margin:0}
.item{background:#fff;border:1px solid #dde1e6;border-radius:.6rem;padding:.8rem;margin:0 0 .75rem}
.meta{color:#4a5360;font-size:.95rem;margin:0 0 .5rem}
audio{width:100%}
.soon li{padding:.4rem 0;border-bottom:1px solid #dde1e6}
.empty{color:#4a5360}
a{color:#0b57d0}
footer{padding-bottom:2rem;color:#4a5360;font-size:.9rem}
`;

function shell(title: string, body: string, feedHref?: string): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
${feedHref ? `<link rel="alternate" type="application/rss+xml" title="${esc(title)}" href="${esc(feedHref)}">` : ''}
<link rel="icon" href="data:,">
<style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

/** The resident's page: plain HTML that works without script, on a phone first. */
export function renderPage(page: ReplayPage, zone: LocalTime): string {
  const slug = page.unit.slug;
  const place = page.unit.name;
  const choices = [...new Set([1, 7, 14, 30, 60, 90, 180, 366, page.days].filter((d) => d <= page.maxDays))].sort((a, b) => a - b);
  const items = page.items.length
    ? `<ul>${page.items
        .map(
          (i) => `<li class="item" data-testid="replay-item">
<h3>${esc(i.title)}</h3>
<p class="meta">Chuyên mục: ${esc(i.chuyenMuc)} · Phát lúc ${esc(airTime(i.lastAiredAt, zone))}${i.airings > 1 ? ` (${i.airings} lần trong ${page.days} ngày)` : ''} · ${esc(minutes(i.durationMs))}</p>
<audio controls preload="none" src="${esc(audioPath(slug, i))}">Trình duyệt này không phát được âm thanh; <a href="${esc(audioPath(slug, i))}">tải tệp về</a>.</audio>
</li>`,
        )
        .join('\n')}</ul>`
    : `<p class="empty">Chưa có chương trình nào được phát lại trong ${page.days} ngày qua.</p>`;
  const soon = page.upcoming.length
    ? `<ul class="soon">${page.upcoming.map((u) => `<li data-testid="upcoming-item"><strong>${esc(airTime(u.at, zone))}</strong> — ${esc(u.title)} <span class="meta">(${esc(u.chuyenMuc)})</span></li>`).join('\n')}</ul>`
    : '<p class="empty">Chưa có lịch phát công khai trong những ngày tới.</p>';
  const feed = `${pagePath(slug)}/feed.xml`;
  return shell(
    `Nghe lại — ${place}`,
    `<header><p class="sub">Đài truyền thanh cơ sở</p><h1>Nghe lại: ${esc(place)}</h1>
<p class="sub">Các chương trình đã phát trên loa của ${esc(place)} trong ${page.days} ngày qua.</p>
<form method="get" action="${esc(pagePath(slug))}"><label for="days">Xem trong</label>
<select id="days" name="days">${choices.map((d) => `<option value="${d}"${d === page.days ? ' selected' : ''}>${d} ngày</option>`).join('')}</select>
<button type="submit">Xem</button></form></header>
<main><h2>Đã phát</h2>${items}<h2>Sắp phát</h2>${soon}</main>
<footer><p>Theo dõi bằng ứng dụng podcast: <a href="${esc(feed)}">nguồn RSS của ${esc(place)}</a>.</p></footer>`,
    feed,
  );
}

/** A short page for a wrong address, a wrong number of days or too many requests, with the right status. */
export function renderError(message: string): string {
  return shell('Nghe lại', `<header><h1>Nghe lại</h1></header><main><p>${esc(message)}</p></main>`);
}

const RFC822_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RFC822_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 822 date, as RSS 2.0 asks (in GMT: nothing to get wrong). */
export function rfc822(instant: string): string {
  const d = new Date(fromInstant(instant));
  return `${RFC822_DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${RFC822_MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}

function hms(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** RSS 2.0 with podcast (iTunes) tags: one item per programme, its broadcast file as the enclosure. */
export function renderFeed(page: ReplayPage, origin: string, zone: LocalTime): string {
  const slug = page.unit.slug;
  const place = page.unit.name;
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true, processEntities: true });
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    rss: {
      '@_version': '2.0',
      '@_xmlns:itunes': 'http://www.itunes.com/dtds/podcast-1.0.dtd',
      '@_xmlns:atom': 'http://www.w3.org/2005/Atom',
      channel: {
        title: `Nghe lại: ${place}`,
        link: `${origin}${pagePath(slug)}`,
        description: `Các chương trình đã phát trên loa của ${place} trong ${page.days} ngày qua.`,
        language: 'vi',
        'atom:link': { '@_href': `${origin}${pagePath(slug)}/feed.xml`, '@_rel': 'self', '@_type': 'application/rss+xml' },
        ...(page.items.length ? { lastBuildDate: rfc822(page.items[0].lastAiredAt) } : {}),
        'itunes:author': place,
        'itunes:explicit': 'false',
        item: page.items.map((i) => ({
          title: i.title,
          description: `Chuyên mục: ${i.chuyenMuc}. Phát lúc ${airTime(i.lastAiredAt, zone)}.${i.description ? ` ${i.description}` : ''}`,
          guid: { '#text': `urn:loa:nghe-lai:${i.key}`, '@_isPermaLink': 'false' },
          pubDate: rfc822(i.lastAiredAt),
          category: i.chuyenMuc,
          enclosure: { '@_url': `${origin}${audioPath(slug, i)}`, '@_length': String(i.size), '@_type': 'audio/mpeg' },
          'itunes:duration': hms(i.durationMs),
        })),
      },
    },
  };
  return builder.build(doc) as string;
}
