// Starting a run from a form built from the workflow's declared inputs: a field per input
// of its type, with its description and default; errors shown at the field they concern.

import { api, seg, ws } from './api.js';
import { announce, busy, field, h, navigate } from './dom.js';

/** The control for one input `{name, type, description, default, required}`. */
function control(input) {
  const id = `input-${input.name}`;
  const value = input.default;
  switch (input.type) {
    case 'boolean':
      return h('input', { type: 'checkbox', id, name: input.name, checked: value === true });
    case 'integer':
    case 'number':
      return h('input', { type: 'number', id, name: input.name, step: input.type === 'integer' ? '1' : 'any',
        value: value === undefined || value === null ? '' : String(value), required: input.required });
    case 'object':
    case 'array':
      return h('textarea', { id, name: input.name, class: 'code', rows: 3, spellcheck: 'false', required: input.required,
        value: value === undefined ? '' : JSON.stringify(value, null, 2) });
    default:
      return h('input', { type: 'text', id, name: input.name, required: input.required,
        value: value === undefined || value === null ? '' : String(value) });
  }
}

/** What a field holds as the input's JSON value; `undefined` when left empty; throws when malformed. */
function read(input, el) {
  if (input.type === 'boolean') return el.checked;
  const text = el.value.trim();
  if (text === '') return undefined;
  if (input.type === 'integer' || input.type === 'number') {
    const n = Number(text);
    if (!Number.isFinite(n) || (input.type === 'integer' && !Number.isInteger(n))) {
      throw new Error(`${input.name}: “${text}” is not ${input.type === 'integer' ? 'a whole number' : 'a number'}`);
    }
    return n;
  }
  if (input.type === 'object' || input.type === 'array') {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`${input.name}: not JSON (${e.message})`);
    }
    if (input.type === 'array' ? !Array.isArray(parsed) : (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new Error(`${input.name}: must be a JSON ${input.type}`);
    }
    return parsed;
  }
  return text;
}

/** The form that starts a run of workflow `name` with the inputs in `form.inputs`. */
export function startForm(name, facts) {
  const controls = new Map(facts.inputs.map((input) => [input.name, control(input)]));
  const errors = new Map(facts.inputs.map((input) => [input.name, h('small', { class: 'field-error', id: `input-${input.name}-error` })]));
  const fields = facts.inputs.map((input) => {
    const hint = [input.description, `${input.type}${input.required ? ', required' : ', optional'}`].filter(Boolean).join(' · ');
    const el = controls.get(input.name);
    if (input.required) el.setAttribute('aria-required', 'true');
    const box = field(input.required ? `${input.name} *` : input.name, el, hint);
    box.append(errors.get(input.name));
    el.setAttribute('aria-describedby', `${el.getAttribute('aria-describedby')} ${errors.get(input.name).id}`);
    return box;
  });
  const start = h('button', { type: 'submit', class: 'primary' }, 'Start run');
  const form = h('form', { class: 'input-fields', novalidate: true },
    facts.inputs.length ? h('p', { class: 'hint' }, 'Fields marked * are required; an empty optional field takes its default.')
      : h('p', { class: 'muted' }, 'This workflow takes no inputs.'),
    fields, h('div', { class: 'actions' }, start));
  const mark = (problems) => {
    for (const [key, el] of controls) {
      const problem = problems.get(key);
      errors.get(key).textContent = problem || '';
      if (problem) el.setAttribute('aria-invalid', 'true');
      else el.removeAttribute('aria-invalid');
    }
    const first = [...controls.keys()].find((k) => problems.has(k));
    if (first) controls.get(first).focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const inputs = {};
    const problems = new Map();
    for (const input of facts.inputs) {
      try {
        const value = read(input, controls.get(input.name));
        if (value !== undefined) inputs[input.name] = value;
        else if (input.required) problems.set(input.name, `${input.name} is required`);
      } catch (e) {
        problems.set(input.name, e.message);
      }
    }
    mark(problems);
    if (problems.size) return announce(`Not started: ${[...problems.values()].join('; ')}`, 'error');
    busy(start, async () => {
      try {
        const started = await api('POST', ws(`/workflows/${seg(name)}/runs`), { inputs });
        navigate(`#/runs/${seg(started.run_id)}`, `Started run ${started.run_id} of ${name}.`);
      } catch (e) {
        const details = Array.isArray(e.details) ? e.details : [];
        mark(new Map(details.filter((d) => controls.has(d.field)).map((d) => [d.field, d.message])));
        const fields = details.map((d) => `${d.field}: ${d.message}`).join('; ');
        announce(`Not started: ${fields || e.message}`, 'error');
      }
    });
  });
  return form;
}
