// A post as each network will show it: one card per network when the preview names them
// (`{mastodon: "...", bluesky: "..."}`), the text with its links, mentions and hashtags
// marked, and its length against that network's limit; with `media` (`[{url, alt}]`) its
// images by their alt text, and with `at` when it goes out, in the reader's time.

import { add, countAs, formatClock, formatDay, h, mediaList, ms, postCard } from './dom.js';

/** Each network's name and its limit: characters as people count them (grapheme clusters). */
const NETWORKS = {
  mastodon: ['Mastodon', 500],
  bluesky: ['Bluesky', 300],
  threads: ['Threads', 500],
  x: ['X', 280],
  linkedin: ['LinkedIn', 3000],
};

const TOKEN = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]|[@#][\p{L}\p{N}_.]*[\p{L}\p{N}_](?:@[\w.-]+\.\w+)?)/gu;

/** `text` with URLs as links (opening elsewhere) and mentions and hashtags marked. */
export function richText(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    out.push(text.slice(last, m.index));
    const token = m[0];
    if (token.startsWith('http')) {
      out.push(h('a', { href: token, rel: 'noopener noreferrer nofollow', target: '_blank', class: 'post-link' }, token));
    } else {
      out.push(h('span', { class: token.startsWith('#') ? 'post-tag' : 'post-mention' }, token));
    }
    last = m.index + token.length;
  }
  out.push(text.slice(last));
  return out;
}

/** The preview of `value`: a card per network it names, or one card as before. */
export function previewCards(value, label = 'What will be posted') {
  const named = value && typeof value === 'object' && !Array.isArray(value)
    ? Object.keys(NETWORKS).filter((k) => typeof value[k] === 'string').map((k) => [k, value[k]]) : [];
  if (!named.length) return postCard(value, label);
  const at = ms(value.at);
  const when = at !== null && !Number.isNaN(at)
    ? h('p', { class: 'post-when' }, 'Goes out ', h('time', { datetime: new Date(at).toISOString() },
      `${formatDay(at)}, ${formatClock(at)}`), ' (your local time)') : null;
  const cards = h('div', { class: 'post-networks' }, named.map(([key, text]) => {
    const [name, limit] = NETWORKS[key];
    const count = countAs(key, text);
    const over = count > limit;
    const card = h('figure', { class: 'post', 'data-network': key },
      h('figcaption', { class: 'post-label' }, `${label} on ${name}`),
      h('blockquote', { class: 'post-text' }, richText(text)));
    return add(card, [h('p', { class: 'post-count' }, `${count} of ${limit} characters`,
      over ? h('span', { class: 'warn' }, ` — ${count - limit} too many for ${name}`) : null), mediaList(value.media)]);
  }));
  return when ? h('div', null, when, cards) : cards;
}
