// Building the page safely and formatting values: every piece of data becomes a text
// node or an attribute value, never markup.

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'readOnly', 'required', 'open']);

/** An element: `h('a', {href: '#/runs', class: 'x', onclick: fn}, 'text', child, [more])`. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPS.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return add(el, children);
}

/** Appends children (nodes, strings, numbers, nested lists; null and false are skipped). */
export function add(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

let statusTimer;

/** Tells screen readers and sighted users what happened; errors interrupt. */
export function announce(message, kind = 'status') {
  const status = document.getElementById('status');
  const alert = document.getElementById('alert');
  clearTimeout(statusTimer);
  if (kind === 'error') {
    status.textContent = '';
    alert.textContent = message;
  } else {
    alert.textContent = '';
    status.textContent = message;
    statusTimer = setTimeout(() => { status.textContent = ''; }, 8000);
  }
}

export function clearMessages() {
  document.getElementById('status').textContent = '';
  document.getElementById('alert').textContent = '';
}

/** Milliseconds since the epoch of an RFC 3339 string or a number; null if absent. */
export function ms(time) {
  if (time === null || time === undefined || time === '') return null;
  return typeof time === 'number' ? time : Date.parse(time);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayLong = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatDay = (time) => dayLong.format(ms(time));
export const formatClock = (time) => timeOnly.format(ms(time));

/** A `<time>` with the local date and time, the exact time as its tooltip. */
export function timeEl(time, style = 'full') {
  const t = ms(time);
  if (t === null || Number.isNaN(t)) return h('span', { class: 'muted' }, '—');
  const text = style === 'relative' ? ago(t) : dateTime.format(t);
  return h('time', { datetime: new Date(t).toISOString(), title: dateTime.format(t) }, text);
}

/** "3 minutes ago", "in 2 hours". */
export function ago(t) {
  const seconds = Math.round((t - Date.now()) / 1000);
  const steps = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [4.35, 'week'], [12, 'month']];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), 'year');
}

/** "85 ms", "3.2 s", "4 min 3 s", "2 h 5 min". */
export function duration(millis) {
  if (millis === null || millis === undefined || Number.isNaN(millis)) return '—';
  if (millis < 1000) return `${Math.round(millis)} ms`;
  const s = millis / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const ACTIVE = ['queued', 'running', 'waiting'];

/** A status as a coloured label whose text says the status (colour is never the only cue). */
export function badge(status) {
  return h('span', { class: `badge s-${String(status).replace(/[^a-z_]/g, '')}` }, status);
}

/** A run's status; a success with steps that failed under `continue_on_error` says so. */
export function runBadge(status, failedSteps = 0) {
  if (status !== 'succeeded' || !failedSteps) return badge(status);
  return h('span', { class: 'badge s-partial' }, `succeeded with ${failedSteps} failed step${failedSteps === 1 ? '' : 's'}`);
}

/** JSON, indented, as preformatted text. */
export function jsonBlock(value, label) {
  const text = value === undefined ? 'null' : JSON.stringify(value, null, 2);
  return h('pre', { class: 'code', tabindex: 0, 'aria-label': label || null }, h('code', null, text));
}

const graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** Characters as people count them (an emoji is one). */
export function charCount(text) {
  return graphemes ? [...graphemes.segment(text)].length : [...text].length;
}

// A link has a host of two labels or more; punctuation after it ends the sentence, not the link.
const LINK = /https?:\/\/[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+(?:[^\s]*[^\s.,;:!?)\]"'])?/gu;
const REMOTE_MENTION = /(^|\s)@(\w+)@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+/gu;

/** A post's length as Mastodon counts it: every link 23, `@user@domain` as `@user`. */
export function mastodonCount(text) {
  return charCount(text.replace(LINK, 'x'.repeat(23)).replace(REMOTE_MENTION, '$1@$2'));
}

/** The length of `text` counted as `how` says (`mastodon` or characters). */
export function countAs(how, text) {
  return how === 'mastodon' ? mastodonCount(text) : charCount(text);
}

/** The text a post would carry: the value itself, or its `text`/`status`/`content` field. */
export function postText(value) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    for (const key of ['text', 'status', 'content', 'message', 'caption']) {
      if (typeof value[key] === 'string') return value[key];
    }
  }
  return null;
}

/**
 * The images of a post (`[{url, alt}]`) as their alt text with a link: the page loads no
 * image from elsewhere, and what a reader of the post will hear is what matters here.
 */
export function mediaList(media) {
  if (!Array.isArray(media) || !media.length) return null;
  return h('ul', { class: 'post-media', 'aria-label': `${media.length} image${media.length === 1 ? '' : 's'}` },
    media.map((m, i) => {
      const alt = m && typeof m.alt === 'string' && m.alt.trim() ? m.alt.trim() : null;
      const url = m && typeof m.url === 'string' && /^https?:\/\//.test(m.url) ? m.url : null;
      return h('li', null, `Image ${i + 1}: `,
        alt ? h('span', { class: 'post-alt' }, alt) : h('span', { class: 'warn' }, 'no alt text'),
        url ? [' (', h('a', { href: url, rel: 'noopener noreferrer nofollow', target: '_blank' }, 'open'), ')'] : null);
    }));
}

/** A post as it will appear: its text in a card with the character count, the rest as JSON. */
export function postCard(value, label = 'Post preview') {
  const text = postText(value);
  const card = h('figure', { class: 'post' }, h('figcaption', { class: 'post-label' }, label));
  if (text === null) {
    return add(card, value === null || value === undefined ? h('p', { class: 'muted' }, 'No preview') : jsonBlock(value));
  }
  const count = charCount(text);
  add(card, h('blockquote', { class: 'post-text' }, text));
  const over = [300, 500].find((limit) => count > limit && count <= limit * 2);
  add(card, h('p', { class: 'post-count' }, `${count} character${count === 1 ? '' : 's'}`,
    over ? h('span', { class: 'warn' }, ` — longer than ${over}`) : null));
  if (value && typeof value === 'object') {
    add(card, mediaList(value.media));
    const rest = Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== text && k !== 'media'));
    if (Object.keys(rest).length) add(card, h('details', null, h('summary', null, 'Other fields'), jsonBlock(rest)));
  }
  return card;
}

/** A labelled form field: `<label for=id>` then the control (and an optional hint). */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const help = hint ? h('small', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (help) control.setAttribute('aria-describedby', help.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, help);
}

/** A value for `<input type=datetime-local>` in local time. */
export function localInput(time) {
  const d = new Date(ms(time));
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A section with a heading, for landmarks: `<section aria-labelledby>`. */
export function section(title, ...children) {
  const id = `h-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), children);
}

/** An empty-state line. */
export const empty = (text) => h('p', { class: 'empty' }, text);

/** Shows a button as busy while `work` runs; returns its result. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Goes to `hash`, then announces `message` (showing another page clears the messages). */
export function navigate(hash, message) {
  window.addEventListener('hashchange', () => announce(message), { once: true });
  location.hash = hash;
}
