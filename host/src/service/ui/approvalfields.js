// An approval's editable fields as form controls: a text box with a live count against its
// limit for text, a number box, a check box; and the values a person changed.

import { countAs, field, h } from './dom.js';

/** `{nodes, edits()}` for `fields` (`[{name, type, description, max_length, count, value}]`). */
export function fieldControls(fields) {
  const controls = (fields || []).map((f) => {
    let control;
    if (f.type === 'boolean') {
      control = h('input', { type: 'checkbox', name: `field-${f.name}`, 'data-field': f.name });
      control.checked = Boolean(f.value);
    } else if (f.type === 'integer' || f.type === 'number') {
      control = h('input', { type: 'number', name: `field-${f.name}`, 'data-field': f.name,
        step: f.type === 'integer' ? '1' : 'any' });
      control.value = f.value ?? '';
    } else {
      const text = String(f.value ?? '');
      control = h('textarea', { name: `field-${f.name}`, 'data-field': f.name, rows: Math.min(8, 2 + text.length / 70) });
      control.value = text;
    }
    const count = f.type === 'string' || !f.type ? h('small', { class: 'field-count', 'aria-live': 'polite' }) : null;
    const recount = () => {
      if (!count) return;
      const n = countAs(f.count, control.value);
      const over = f.max_length && n > f.max_length;
      const how = f.count === 'mastodon' ? ' as Mastodon counts them' : '';
      count.textContent = f.max_length ? `${n} of ${f.max_length} characters${how}` : `${n} characters${how}`;
      count.classList.toggle('warn', Boolean(over));
      control.setAttribute('aria-invalid', over ? 'true' : 'false');
    };
    control.addEventListener('input', recount);
    recount();
    return { f, control, node: h('div', { class: 'approval-field' }, field(f.description || f.name, control), count) };
  });
  const read = ({ f, control }) => {
    if (f.type === 'boolean') return control.checked;
    if (f.type === 'integer' || f.type === 'number') return control.value === '' ? null : Number(control.value);
    return control.value;
  };
  return {
    nodes: controls.map((c) => c.node),
    /** The fields whose value differs from the one offered, by name. */
    edits() {
      const changed = controls.filter((c) => read(c) !== (c.f.value ?? (c.f.type === 'string' ? '' : null)));
      return Object.fromEntries(changed.map((c) => [c.f.name, read(c)]));
    },
  };
}
