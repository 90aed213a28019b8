// The Salience viewer: choose a model and an image, see the prediction, explain it with one or more methods.
// Every default, limit and choice comes from the server (/v1/models, /v1/methods, /v1/colormaps, /layers).
import { ApiError, Cancelled, capabilities, errorOf, getJson, postForm, runJob } from './api.js';
import { errorElement } from './messages.js';
import { lut, paintColorbar, paintImage, paintMap, resizeBilinear } from './render.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
};

/** Largest side the page draws at (bigger uploads are shown scaled down; the server still sees the original). */
const MAX_DISPLAY = 1024;
const ZOOMS = [0.25, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16];

const state = {
  models: [],
  model: null, // summary from /v1/models
  methods: [], // /v1/methods
  common: new Map(), // common parameter specs by name
  colormaps: [],
  tables: new Map(),
  caps: { jobs: false, compare: false, compareAsync: false, sanity: false, several: false },
  image: null, // {blob, name, bitmap, width, height, W, H}
  prediction: null, // classes sorted by probability
  panels: new Map(), // method -> panel
  generation: 0,
};
// for the browser test and for people poking at the page from the console
window.salienceViewer = state;

// ---------------------------------------------------------------- messages

function showError(error, retry) {
  const box = $('messages');
  box.replaceChildren(errorElement(error, retry));
}

function clearMessages() {
  $('messages').replaceChildren();
}

// ---------------------------------------------------------------- start

async function start() {
  try {
    // the OpenAPI document can take seconds to build on a fresh server: only model work waits for it
    state.capsReady = capabilities().then((caps) => { state.caps = caps; });
    const [models, methods, colormaps] = await Promise.all([
      getJson('/v1/models'), getJson('/v1/methods'), getJson('/v1/colormaps'),
    ]);
    state.models = models;
    state.methods = methods;
    state.colormaps = colormaps;
  } catch (e) {
    showError(e, start);
    return;
  }
  for (const m of state.colormaps) state.tables.set(m.name, lut(m.colors));
  const def = state.methods.find((m) => m.default) || state.methods[0];
  for (const p of def.commonParameters) state.common.set(p.name, p);
  setupDisplayControls();
  setupMethods(def);
  setupCommonParameters();
  setupInput();
  fillModels();
  document.body.dataset.ready = 'true';
}

function setupDisplayControls() {
  const cm = $('colormap');
  const spec = state.common.get('colormap');
  for (const m of state.colormaps) {
    cm.append(el('option', { value: m.name, text: m.colorBlindSafe ? `${m.name} (colour-blind safe)` : m.name }));
  }
  cm.value = (state.colormaps.find((m) => m.default) || { name: spec?.defaultValue }).name;
  cm.addEventListener('change', redrawAll);

  const alpha = state.common.get('alpha');
  const op = $('opacity');
  if (alpha) {
    op.min = alpha.minimum;
    op.max = alpha.maximum;
    op.value = alpha.defaultValue;
  }
  const showOpacity = () => {
    $('opacity-value').textContent = `${Math.round(Number(op.value) * 100)} %`;
    op.setAttribute('aria-valuetext', `${Math.round(Number(op.value) * 100)} percent`);
    for (const p of state.panels.values()) p.heat.style.opacity = op.value;
  };
  op.addEventListener('input', showOpacity);
  showOpacity();
  $('zoom').addEventListener('change', applyZoom);
  $('compact').addEventListener('change', () => {
    $('grid').classList.toggle('compact', $('compact').checked);
    applyZoom();
  });
}

// ---------------------------------------------------------------- models

function fillModels(keep) {
  const select = $('model');
  select.replaceChildren();
  for (const m of state.models) {
    const label = m.status === 'ready' ? m.name : `${m.name} (${m.status})`;
    select.append(el('option', { value: m.name, text: label }));
  }
  const ready = state.models.find((m) => m.status === 'ready');
  const wanted = keep || new URLSearchParams(location.search).get('model');
  select.value = (state.models.find((m) => m.name === wanted) || ready || state.models[0] || {}).name || '';
  select.onchange = () => chooseModel(select.value);
  if (select.value) chooseModel(select.value);
}

async function chooseModel(name) {
  clearMessages();
  const summary = state.models.find((m) => m.name === name);
  state.model = summary;
  const info = $('model-info');
  info.textContent = summary?.description || '';
  if (!summary || summary.status !== 'ready') {
    info.textContent = summary?.status === 'failed'
      ? `This model failed to load: ${summary.error}`
      : 'This model is still loading; the page checks again every 2 seconds.';
    if (summary?.status === 'loading') setTimeout(refreshModels, 2000);
    return;
  }
  const input = summary.input;
  info.textContent = `${summary.description || ''} Input ${input.width}x${input.height} ${input.colorMode};`
    + ` classes: ${summary.labels.join(', ')}.`;
  clearResults();
  loadExamples(name);
  loadLayers(name);
  if (state.image) predict();
}

async function refreshModels() {
  try {
    state.models = await getJson('/v1/models');
  } catch {
    setTimeout(refreshModels, 2000);
    return;
  }
  fillModels($('model').value);
}

async function loadExamples(model) {
  const box = $('examples');
  box.replaceChildren();
  let list;
  try {
    list = await getJson(`/v1/models/${encodeURIComponent(model)}/examples`);
  } catch (e) {
    box.append(el('p', { class: 'hint', text: 'The examples could not be listed.' }));
    return;
  }
  if (list.examples.length === 0) {
    box.append(el('p', { class: 'hint', text: 'This model ships no examples: choose an image of your own.' }));
    return;
  }
  for (const ex of list.examples) {
    const props = Object.entries(ex.properties || {}).map(([k, v]) => `${k} ${v}`).join(', ');
    const b = el('button', { type: 'button', 'data-example': ex.name },
      el('img', { src: ex.url, alt: `Example ${ex.name}`, width: 64, height: 64 }),
      el('span', { text: ex.name }),
      props ? el('span', { class: 'props', text: props }) : null);
    b.addEventListener('click', async () => {
      try {
        const r = await fetch(ex.url);
        if (!r.ok) throw await errorOf(r);
        await useImage(await r.blob(), ex.name);
      } catch (e) {
        showError(e);
      }
    });
    box.append(b);
  }
}

async function loadLayers(model) {
  const select = $('layer');
  select.replaceChildren(el('option', { value: 'auto', text: 'auto' }));
  try {
    const layers = await getJson(`/v1/models/${encodeURIComponent(model)}/layers`);
    select.firstChild.textContent = layers.defaultCamLayer ? `auto (${layers.defaultCamLayer})` : 'auto';
    for (const l of layers.layers.filter((x) => x.spatial)) {
      select.append(el('option', { value: l.name, text: `${l.name} ${l.shape.join('x')}` }));
    }
  } catch (e) {
    // CAM methods then answer the error themselves
  }
}

// ---------------------------------------------------------------- image input

function setupInput() {
  const file = $('file');
  file.addEventListener('change', () => {
    if (file.files[0]) useImage(file.files[0], file.files[0].name);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer.files[0];
    if (f) useImage(f, f.name);
  });
  $('explain').addEventListener('click', explainAll);
  $('target').addEventListener('change', targetChanged);
  $('contrast').addEventListener('change', targetChanged);
  $('contrast-on').addEventListener('change', () => {
    $('contrast').disabled = !$('contrast-on').checked;
    targetChanged();
  });
}

/** A browser-displayable bitmap of the upload: the browser's own decoder, else the server's (TIFF and others). */
async function displayBitmap(blob, name) {
  try {
    return await createImageBitmap(blob);
  } catch {
    // the server decodes it: an overlay of opacity 0 at the upload's size is the decoded image itself
    const q = new URLSearchParams({ render: 'overlay', alpha: '0', size: 'original' });
    const r = await postForm(`/v1/models/${encodeURIComponent(state.model.name)}/saliency?${q}`,
      imageForm(blob, name), 'image/png');
    return createImageBitmap(await r.blob());
  }
}

async function useImage(blob, name) {
  clearMessages();
  if (!state.model || state.model.status !== 'ready') return;
  let bitmap;
  try {
    bitmap = await displayBitmap(blob, name);
  } catch (e) {
    showError(e);
    return;
  }
  const scale = Math.min(1, MAX_DISPLAY / Math.max(bitmap.width, bitmap.height));
  state.image = {
    blob, name, bitmap, width: bitmap.width, height: bitmap.height,
    W: Math.max(1, Math.round(bitmap.width * scale)), H: Math.max(1, Math.round(bitmap.height * scale)),
  };
  fillZoom();
  clearResults();
  await predict();
}

function imageForm(blob, name) {
  const f = new FormData();
  f.append('image', blob, name || 'image');
  return f;
}

// ---------------------------------------------------------------- prediction and target

async function predict() {
  const img = state.image;
  const model = state.model.name;
  try {
    const r = await postForm(`/v1/models/${encodeURIComponent(model)}/predict`, imageForm(img.blob, img.name), 'application/json');
    const body = await r.json();
    state.prediction = body.predictions[0].classes;
  } catch (e) {
    showError(e, predict);
    return;
  }
  drawBars();
  fillTargets();
  updateExplainButton();
  if (state.panels.size === 0) drawOriginalPanel();
}

function drawBars() {
  const bars = $('bars');
  bars.replaceChildren();
  $('prediction-empty').textContent = `Predicted for ${state.image.name}: choose a bar to explain that class.`;
  const target = currentTargetIndex();
  for (const c of state.prediction) {
    const pct = (c.probability * 100).toFixed(c.probability >= 0.001 ? 1 : 4);
    const b = el('button', {
      type: 'button', class: 'bar', 'data-index': c.index, 'aria-pressed': String(c.index === target),
    },
    el('span', { class: 'bar-label', text: c.label },
      c.index === state.prediction[0].index ? el('span', { class: 'visually-hidden', text: ' (predicted)' }) : null),
    el('span', { class: 'bar-track' }, el('span', { class: 'bar-fill', style: `width:${Math.max(0.3, c.probability * 100)}%` })),
    el('span', { class: 'bar-value', text: `${pct} %` }));
    b.addEventListener('click', () => {
      $('target').value = String(c.index);
      targetChanged();
    });
    bars.append(b);
  }
}

function fillTargets() {
  const t = $('target');
  const c = $('contrast');
  const labels = state.model.labels;
  const top = state.prediction[0];
  const keep = t.value;
  t.replaceChildren(el('option', { value: 'predicted', text: `the predicted class (${top.label})` }));
  c.replaceChildren();
  labels.forEach((l, i) => {
    t.append(el('option', { value: String(i), text: `class ${l}` }));
    c.append(el('option', { value: String(i), text: l }));
  });
  t.value = [...t.options].some((o) => o.value === keep) ? keep : 'predicted';
  c.value = String(state.prediction[1]?.index ?? 0);
  t.disabled = false;
  $('contrast-on').disabled = false;
  c.disabled = !$('contrast-on').checked;
}

function currentTargetIndex() {
  const v = $('target').value;
  if (!state.prediction) return null;
  return v === 'predicted' || v === '' ? state.prediction[0].index : Number(v);
}

/** The target parameter: predicted, a class index, or A-vs-B with indices. */
function targetParam() {
  const a = $('target').value || 'predicted';
  if ($('contrast-on').checked) {
    const ai = currentTargetIndex();
    const b = Number($('contrast').value);
    if (ai === b) return null;
    return `${ai}-vs-${b}`;
  }
  return a;
}

function targetChanged() {
  if (!state.prediction) return;
  const target = currentTargetIndex();
  for (const b of $('bars').children) b.setAttribute('aria-pressed', String(Number(b.dataset.index) === target));
  if ($('contrast-on').checked && targetParam() === null) {
    showError(new ApiError(400, { type: 'urn:salience:problem:invalid-parameter', parameter: 'target',
      detail: 'A contrast needs two different classes: pick another class to subtract.' }, null));
    return;
  }
  clearMessages();
  // maps already shown follow the new target
  if ([...state.panels.keys()].some((k) => k !== '') && !$('explain').disabled) explainAll();
}

// ---------------------------------------------------------------- methods and parameters

function setupMethods(def) {
  for (const m of state.methods) {
    const id = `m-${m.name.replace(/[^a-z0-9-]/g, '_')}`;
    const box = el('input', { type: 'checkbox', id, value: m.name, 'aria-describedby': `${id}-d` });
    box.checked = m.default;
    box.addEventListener('change', () => { showParams(); updateExplainButton(); });
    const row = el('div', { class: 'method' }, box,
      el('label', { for: id }, m.name, el('small', { id: `${id}-d`, text: m.description })));
    (m.usesLayer ? $('methods-cam-list') : $('methods-input-list')).append(row);
    if (m.parameters.length) $('params').append(paramBlock(m));
  }
  showParams();
}

/** A form field for a parameter spec; its value starts at the server's default. */
function paramField(spec, id) {
  let input;
  const hint = spec.type === 'choice' ? `default ${spec.defaultValue}` : `default ${spec.defaultValue}; ${spec.limits}`;
  if (spec.type === 'choice') {
    input = el('select', { id, name: spec.name });
    for (const v of spec.values) input.append(el('option', { value: v, text: v }));
    input.value = spec.defaultValue;
  } else if (spec.type === 'integer' || spec.type === 'number') {
    input = el('input', { id, name: spec.name, type: 'number', step: spec.type === 'integer' ? '1' : 'any' });
    if (spec.minimum != null) input.min = spec.minimum;
    if (spec.maximum != null) input.max = spec.maximum;
    if (Number.isFinite(Number(spec.defaultValue))) input.value = spec.defaultValue;
    else input.placeholder = spec.defaultValue;
  } else {
    input = el('input', { id, name: spec.name, type: 'text', placeholder: spec.defaultValue });
  }
  input.dataset.default = spec.defaultValue;
  input.setAttribute('aria-describedby', `${id}-h`);
  return el('div', { class: 'param' },
    el('label', { for: id, text: spec.name }),
    input,
    el('p', { class: 'hint', id: `${id}-h`, text: `${spec.description}; ${hint}` }));
}

function paramBlock(m) {
  const fs = el('fieldset', {}, el('legend', { text: `Parameters of ${m.name}` }));
  for (const p of m.parameters) fs.append(paramField(p, `p-${m.name.replace(/[^a-z0-9-]/g, '_')}-${p.name}`));
  return el('details', { class: 'params-block', 'data-method': m.name }, el('summary', { text: `${m.name} parameters` }), fs);
}

function setupCommonParameters() {
  const box = $('common-params');
  const fs = el('fieldset', {}, el('legend', { text: 'For every method' }));
  for (const name of ['reduce', 'clip', 'timeoutMs']) {
    const spec = state.common.get(name);
    if (spec) fs.append(paramField(spec, `c-${name}`));
  }
  box.append(fs);
}

function selectedMethods() {
  return [...document.querySelectorAll('.method input:checked')].map((b) => b.value);
}

function showParams() {
  const chosen = new Set(selectedMethods());
  for (const d of document.querySelectorAll('.params-block')) d.hidden = !chosen.has(d.dataset.method);
  const cam = state.methods.some((m) => m.usesLayer && chosen.has(m.name));
  $('layer').disabled = !cam;
}

function updateExplainButton() {
  const ok = state.image && state.prediction && selectedMethods().length > 0;
  $('explain').disabled = !ok;
  $('explain-hint').textContent = ok ? `${selectedMethods().length} method(s) on ${state.image.name}` : 'Choose an image and at least one method.';
}

/** Query parameters for one method: only what differs from the server's defaults is sent. */
function queryFor(method) {
  const m = state.methods.find((x) => x.name === method);
  const q = new URLSearchParams({ method });
  const target = targetParam();
  if (target && target !== 'predicted') q.set('target', target);
  if (m.usesLayer && $('layer').value !== 'auto') q.set('layer', $('layer').value);
  const fields = [
    ...document.querySelectorAll(`.params-block[data-method="${CSS.escape(method)}"] [name]`),
    ...document.querySelectorAll('#common-params [name]'),
  ];
  for (const f of fields) {
    const v = f.value.trim();
    if (v !== '' && v !== f.dataset.default) q.set(f.name, v);
  }
  return q;
}

// ---------------------------------------------------------------- results

function fillZoom() {
  const z = $('zoom');
  const { W, H } = state.image;
  const fit = Math.max(1, Math.floor(260 / Math.max(W, H)));
  const keep = z.value;
  z.replaceChildren();
  for (const f of ZOOMS) {
    if (Math.max(W, H) * f > 4096 || Math.max(W, H) * f < 16) continue;
    z.append(el('option', { value: String(f), text: `${f * 100} % (${Math.round(W * f)}x${Math.round(H * f)})` }));
  }
  const best = ZOOMS.filter((f) => f <= fit).pop() || 1;
  z.value = keep && [...z.options].some((o) => o.value === keep) && state.panels.size ? keep : String(best);
  if (!z.value && z.options.length) z.value = z.options[0].value;
}

function applyZoom() {
  const f = Number($('zoom').value || 1);
  const w = Math.round(state.image.W * f);
  for (const p of state.panels.values()) {
    p.stack.style.width = `${w}px`;
    p.stack.style.height = `${Math.round(state.image.H * f)}px`;
    // captions wrap at the image's width (at least a readable 240 px; the figure view packs the maps)
    p.fig.style.width = `${$('compact').checked ? w : Math.max(w, 240)}px`;
  }
}

function clearResults() {
  state.generation++;
  for (const p of state.panels.values()) p.abort?.abort();
  state.panels.clear();
  $('grid').replaceChildren();
  $('metrics').replaceChildren();
  $('sanity').replaceChildren();
}

function newPanel(key, title) {
  const base = el('canvas', { class: 'base', role: 'img', 'aria-label': `The image ${state.image.name}` });
  const heat = el('canvas', { class: 'heat', role: 'img', 'aria-label': `${title}: no map yet` });
  heat.style.opacity = $('opacity').value;
  const stack = el('div', { class: 'stack' }, base, heat);
  const caption = el('figcaption');
  const fig = el('figure', { class: 'panel', 'data-method': key },
    el('h3', { text: title }),
    el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': `${title}, zoomed (scroll with the arrow keys)` }, stack),
    caption);
  paintImage(base, state.image.bitmap, state.image.W, state.image.H);
  const panel = { key, fig, stack, base, heat, caption, result: null };
  state.panels.set(key, panel);
  $('grid').append(fig);
  applyZoom();
  return panel;
}

function drawOriginalPanel() {
  const p = newPanel('', 'Original');
  p.heat.remove();
  p.base.setAttribute('aria-label', `The original image ${state.image.name}, ${state.image.width}x${state.image.height} pixels`);
  const top = state.prediction[0];
  p.caption.append(el('p', { text: `${state.image.width}x${state.image.height} px; predicted ${top.label} (${(top.probability * 100).toFixed(1)} %)` }));
}

function explainAll() {
  const methods = selectedMethods();
  if (!state.image || methods.length === 0) return;
  if (targetParam() === null) return;
  clearMessages();
  // keep panels of methods still chosen (their maps update in place), drop the others
  for (const [k, p] of state.panels) {
    if (k !== '' && !methods.includes(k)) {
      p.abort?.abort();
      p.fig.remove();
      state.panels.delete(k);
    }
  }
  if (!state.panels.has('')) drawOriginalPanel();
  if (!$('run-metrics')) state.capsReady.then(showMetricsControls);
  if (!$('run-sanity')) state.capsReady.then(showSanityControls);
  // the methods without parameters of their own (the gradient and CAM families) go in one request
  const shared = methods.filter(ownsNoParameters);
  if (shared.length > 1) explainShared(shared);
  for (const m of methods) if (shared.length < 2 || !shared.includes(m)) explainOne(m);
  // the grid shows the methods in the order they are listed
  for (const m of methods) $('grid').append(state.panels.get(m).fig);
}

async function explainOne(method) {
  const panel = state.panels.get(method) || newPanel(method, method);
  panel.abort?.abort();
  const abort = new AbortController();
  panel.abort = abort;
  const generation = state.generation;
  const query = queryFor(method);
  panel.query = query;
  panel.fig.dataset.state = 'running';
  const status = progressRow(panel, abort);
  panel.caption.replaceChildren(status.row, ...(panel.result ? [panel.info] : []));
  try {
    const { response, job } = await request(method, query, 'application/json', abort.signal, status);
    const result = await response.json();
    if (generation !== state.generation || panel.abort !== abort) return;
    panel.result = result;
    panel.job = job;
    panel.normalizationHeader = response.headers.get('X-Saliency-Normalization')
      || normalizationHeaderOf(result.normalization);
    drawPanel(panel);
    panel.fig.dataset.state = 'done';
  } catch (e) {
    if (panel.abort !== abort) return;
    panel.fig.dataset.state = e instanceof Cancelled ? 'cancelled' : 'failed';
    panel.caption.replaceChildren(e instanceof Cancelled
      ? el('p', { class: 'hint', text: 'Cancelled.' })
      : errorElement(e, () => explainOne(method)));
    if (panel.result) panel.caption.append(panel.info);
  } finally {
    status.row.remove();
    if (panel.abort === abort) panel.abort = null;
  }
}

function ownsNoParameters(method) {
  const m = state.methods.find((x) => x.name === method);
  return m != null && (m.parameters || []).length === 0;
}

/**
 * Several methods' maps from one request (methods=a,b,c): the server decodes, predicts and runs the shared forward
 * pass once. Each panel shows its own map; Cancel on any of them cancels the request.
 */
async function explainShared(group) {
  const panels = group.map((m) => state.panels.get(m) || newPanel(m, m));
  const abort = new AbortController();
  const generation = state.generation;
  const statuses = panels.map((panel, i) => {
    panel.abort?.abort();
    panel.abort = abort;
    panel.query = queryFor(group[i]);
    panel.fig.dataset.state = 'running';
    const status = progressRow(panel, abort);
    panel.caption.replaceChildren(status.row, ...(panel.result ? [panel.info] : []));
    return status;
  });
  const release = () => {
    statuses.forEach((s) => s.row.remove());
    panels.forEach((p) => { if (p.abort === abort) p.abort = null; });
  };
  await state.capsReady;
  if (!state.caps.several) {
    release();
    group.forEach(explainOne);
    return;
  }
  const q = queryFor(group[0]);
  q.delete('method');
  q.set('methods', group.join(','));
  const layered = group.some((m) => state.methods.find((x) => x.name === m)?.usesLayer);
  if (layered && $('layer').value !== 'auto') q.set('layer', $('layer').value);
  const all = {
    indeterminate() { statuses.forEach((s) => s.indeterminate()); },
    job(job) { statuses.forEach((s) => s.job(job)); },
    update(job) { statuses.forEach((s) => s.update(job)); },
  };
  try {
    const url = `/v1/models/${encodeURIComponent(state.model.name)}/saliency?${q}`;
    const form = imageForm(state.image.blob, state.image.name);
    const { response, job } = await work(url, form, 'application/json', abort.signal, all, state.caps.jobs);
    const several = await response.json();
    panels.forEach((panel, i) => {
      if (generation !== state.generation || panel.abort !== abort) return;
      panel.result = several.maps[i];
      panel.job = job;
      panel.normalizationHeader = normalizationHeaderOf(panel.result.normalization);
      drawPanel(panel);
      panel.fig.dataset.state = 'done';
    });
  } catch (e) {
    panels.forEach((panel) => {
      if (panel.abort !== abort) return;
      panel.fig.dataset.state = e instanceof Cancelled ? 'cancelled' : 'failed';
      panel.caption.replaceChildren(e instanceof Cancelled
        ? el('p', { class: 'hint', text: 'Cancelled.' })
        : errorElement(e, () => explainShared(group)));
      if (panel.result) panel.caption.append(panel.info);
    });
  } finally {
    release();
  }
}

/** Model work, through the job API when the server has one (progress and cancel), else one request. */
async function request(method, query, accept, signal, status) {
  const url = `/v1/models/${encodeURIComponent(state.model.name)}/saliency?${query}`;
  const form = imageForm(state.image.blob, state.image.name);
  await state.capsReady;
  return work(url, form, accept, signal, status, state.caps.jobs);
}

/** One piece of model work: a job (jobs true), one request (false), or a job tried first (null: not known). */
async function work(url, form, accept, signal, status, jobs) {
  if (jobs === false) {
    status.indeterminate();
    return { response: await postForm(url, form, accept, signal), job: null };
  }
  try {
    return await runJob(url, form, accept, {
      signal,
      onJob: (job) => status.job(job),
      onProgress: (job) => status.update(job),
    });
  } catch (e) {
    if (jobs === null && e instanceof ApiError && e.status === 400 && e.problem.parameter === 'async') {
      state.caps.jobs = false;
      return work(url, form, accept, signal, status, false);
    }
    throw e;
  }
}

function progressRow(panel, abort) {
  const bar = el('progress', { max: '100', 'aria-label': `Progress of ${panel.key}` });
  const text = el('span', { class: 'hint', text: 'Working…' });
  const cancel = el('button', { type: 'button', class: 'cancel', text: 'Cancel', 'aria-label': `Cancel ${panel.key}` });
  cancel.addEventListener('click', () => abort.abort());
  const row = el('div', { class: 'progress' }, bar, cancel, text);
  return {
    row,
    indeterminate() { bar.removeAttribute('value'); },
    job(job) { panel.fig.dataset.job = job.id; this.update(job); },
    update(job) {
      const p = job.progress || {};
      if (p.percent != null) bar.value = p.percent;
      text.textContent = `${job.state}${p.percent != null ? ` ${Math.round(p.percent)} %` : ''}${p.step ? `: ${p.step}` : ''}`;
    },
  };
}

function normalizationHeaderOf(n) {
  if (!n) return '';
  return `reduce=${n.reduce}; clip-percentile=${n.clipPercentile}; clip-value=${Number(n.clipValue).toPrecision(6)}; range=[0,1]`;
}

const fmt = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? Number(v).toExponential(2) : Number(v).toPrecision(3));

function drawPanel(panel) {
  const r = panel.result;
  const { W, H } = state.image;
  const [h, w] = r.shape;
  panel.values = resizeBilinear(Float32Array.from(r.map), h, w, H, W);
  if (!panel.heat.isConnected) panel.stack.append(panel.heat);
  paintMap(panel.heat, panel.values, W, H, state.tables.get($('colormap').value));
  const target = r.target;
  const what = target.contrastIndex != null ? target.label : `class ${target.label}`;
  panel.heat.setAttribute('aria-label', `${r.method} map of ${what} over the image ${state.image.name}`);

  const n = r.normalization;
  const bar = el('canvas', { 'aria-hidden': 'true' });
  paintColorbar(bar, state.tables.get($('colormap').value));
  panel.colorbar = bar;
  const signed = n.reduce === 'signed';
  const ends = signed ? [`−${fmt(n.clipValue)}`, `+${fmt(n.clipValue)}`] : ['0', `≥ ${fmt(n.clipValue)}`];
  const explainNorm = signed
    ? `Colour = 0.5 + 0.5 × (channel sum ÷ ${fmt(n.clipValue)}, the ${n.clipPercentile}th percentile of its magnitude), clipped to [0, 1]: the middle colour means zero.`
    : `Colour = largest |value| over the channels ÷ ${fmt(n.clipValue)} (its ${n.clipPercentile}th percentile), clipped to [0, 1].`;
  const timings = Object.entries(r.timings || {}).map(([k, v]) => `${k} ${Number(v).toFixed(1)} ms`).join(', ');
  const extras = r.extras || {};
  const info = el('div', { class: 'info' },
    el('p', {}, el('strong', { text: 'Target: ' }), `${target.label} (logit ${fmt(target.score)}, p = ${(target.probability * 100).toFixed(1)} %)`),
    r.layer ? el('p', {}, el('strong', { text: 'Layer: ' }), `${r.layer} (${r.rawShape[0]}x${r.rawShape[1]}, upsampled)`) : null,
    el('div', { class: 'colorbar', role: 'img', 'aria-label': `Colour bar from ${ends[0]} to ${ends[1]}. ${explainNorm}` },
      el('span', { text: ends[0] }), bar, el('span', { text: ends[1] })),
    el('p', { class: 'hint', text: `${explainNorm} Raw map from ${fmt(r.min)} to ${fmt(r.max)}.` }),
    el('p', { class: 'hint norm', text: `X-Saliency-Normalization: ${panel.normalizationHeader}` }),
    extras.completenessGap != null
      ? el('p', {}, el('strong', { text: 'Completeness gap: ' }),
        `${(extras.completenessGap * 100).toFixed(2)} % (attributions sum to ${fmt(extras.attributionSum)}, the score moved ${fmt(extras.scoreDifference)})`)
      : null,
    el('p', {}, el('strong', { text: 'Time: ' }), timings),
    downloads(panel));
  panel.info = info;
  panel.caption.replaceChildren(info);
}

// ---------------------------------------------------------------- trust metrics (the compare endpoint)

function showMetricsControls() {
  const box = $('metrics');
  box.replaceChildren();
  if (!state.caps.compare || !state.image) return;
  const region = el('input', { id: 'region', type: 'file', accept: 'image/*,.json,application/json', 'aria-describedby': 'region-h' });
  const run = el('button', { id: 'run-metrics', type: 'button', text: 'Compute trust metrics' });
  const panel = el('button', { id: 'compare-png', type: 'button', text: 'Comparison panel (PNG)' });
  const out = el('div', { id: 'metrics-out' });
  box.append(el('h3', { text: 'Trust metrics of the chosen methods' }),
    el('p', { class: 'hint', text: 'Deletion and insertion curves and faithfulness correlation of each method at its server defaults'
      + ' (POST /compare), beside a random and a centre-Gaussian map. A region (a mask image, or VGG Image Annotator JSON) adds'
      + ' localisation metrics.' }),
    el('div', { class: 'row' }, el('label', { for: 'region', text: 'Region (optional)' }), region,
      el('span', { id: 'region-h', class: 'hint', text: 'mask: brightest channel above 127 = inside' })),
    el('div', { class: 'row' }, run, panel), out);
  run.addEventListener('click', () => compare('application/json', run, out));
  panel.addEventListener('click', () => compare('image/png', panel, out));
}

async function compare(accept, button, out) {
  const methods = selectedMethods();
  if (!methods.length) return;
  const q = new URLSearchParams({ methods: methods.join(',') });
  const target = targetParam();
  if (target && target !== 'predicted') q.set('target', target);
  if (accept === 'image/png') q.set('colormap', $('colormap').value);
  const form = imageForm(state.image.blob, state.image.name);
  const region = $('region').files[0];
  if (region) form.append('region', region, region.name);
  const abort = new AbortController();
  const status = progressRow({ key: 'metrics', fig: out }, abort);
  out.replaceChildren(status.row);
  button.disabled = true;
  try {
    const url = `/v1/models/${encodeURIComponent(state.model.name)}/compare?${q}`;
    const { response } = await work(url, form, accept, abort.signal, status, state.caps.compareAsync ? true : false);
    if (accept === 'image/png') {
      const img = el('img', { src: URL.createObjectURL(await response.blob()), alt: `Comparison panel of ${methods.join(', ')} on ${state.image.name}` });
      img.className = 'compare-png';
      out.replaceChildren(img);
    } else {
      out.replaceChildren(metricsTable(await response.json()));
    }
  } catch (e) {
    out.replaceChildren(e instanceof Cancelled ? el('p', { class: 'hint', text: 'Cancelled.' }) : errorElement(e));
  } finally {
    button.disabled = false;
  }
}

function metricsTable(r) {
  const n = (v, digits = 3) => (v == null ? '–' : Number(v).toFixed(digits));
  const cols = [
    ['Deletion AUC (lower is better)', (m) => n(m.deletion?.auc)],
    ['Insertion AUC (higher is better)', (m) => n(m.insertion?.auc)],
    ['Faithfulness correlation (higher is better)', (m) => n(m.faithfulnessCorrelation)],
    ['Pointing game', (m) => (m.localisation ? (m.localisation.pointingGame ? 'hit' : 'miss') : '–')],
    ['Energy inside the region', (m) => n(m.localisation?.energyInside)],
    ['Top-k % IoU', (m) => n(m.localisation?.topIou)],
    ['Energy in the border band', (m) => n(m.border?.energy)],
    ['Completeness gap', (m) => n(m.completenessGap, 4)],
  ];
  const all = [...r.methods.map((m) => m.metrics), ...Object.values(r.baselines || {})].map((m) => m || {});
  // columns no map has a value for (localisation without a region) are left out
  const shown = cols.filter(([, f]) => all.some((m) => f(m) !== '–'));
  cols.splice(0, cols.length, ...shown);
  const table = el('table', { class: 'metrics' },
    el('caption', { text: `Target ${r.target.label}; maps at ${r.shape.join('x')}${r.region ? `; region ${r.region.source}, ${(r.region.areaFraction * 100).toFixed(1)} % of the pixels` : ''}` }));
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Map' }), ...cols.map(([c]) => el('th', { scope: 'col', text: c })));
  table.append(el('thead', {}, head));
  const body = el('tbody');
  const row = (name, m) => body.append(el('tr', {}, el('th', { scope: 'row', text: name }), ...cols.map(([, f]) => el('td', { text: f(m || {}) }))));
  for (const m of r.methods) row(m.method, m.metrics);
  for (const [k, m] of Object.entries(r.baselines || {})) row(`${k} (reference map)`, m);
  table.append(body);
  return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Trust metrics table' }, table);
}

// ---------------------------------------------------------------- sanity check (model parameter randomisation)

function showSanityControls() {
  const box = $('sanity');
  box.replaceChildren();
  if (!state.caps.sanity || !state.image) return;
  const fs = el('fieldset', {}, el('legend', { text: 'Settings (the server\'s defaults)' }));
  // the check's own parameters, from the API document; methods and target are the page's
  for (const spec of state.caps.sanityParameters || []) {
    if (['methods', 'target', 'async', 'timeoutMs'].includes(spec.name)) continue;
    fs.append(paramField(spec, `s-${spec.name}`));
  }
  const run = el('button', { id: 'run-sanity', type: 'button', text: 'Run the sanity check' });
  const png = el('button', { id: 'sanity-png', type: 'button', text: 'Sanity panel (PNG)' });
  const out = el('div', { id: 'sanity-out' });
  box.append(el('h3', { text: 'Sanity check: do the maps depend on what the model learned?' }),
    el('p', { class: 'hint', text: 'The model\'s layers are re-initialised with random weights (Adebayo et al. 2018) and each chosen'
      + ' method\'s map is compared with its map on the trained model. A method that passes gives maps that change (low'
      + ' similarity) as more layers are randomised. The served model is never changed.' }),
    el('div', { class: 'settings' }, fs), el('div', { class: 'row' }, run, png), out);
  run.addEventListener('click', () => sanity('application/json', run, out));
  png.addEventListener('click', () => sanity('image/png', png, out));
}

async function sanity(accept, button, out) {
  const methods = selectedMethods();
  if (!methods.length) return;
  const q = new URLSearchParams({ methods: methods.join(',') });
  const target = targetParam();
  if (target && target !== 'predicted') q.set('target', target);
  for (const f of document.querySelectorAll('#sanity [name]')) {
    const v = f.value.trim();
    if (v !== '' && v !== f.dataset.default) q.set(f.name, v);
  }
  const abort = new AbortController();
  const status = progressRow({ key: 'sanity check', fig: out }, abort);
  out.replaceChildren(status.row);
  button.disabled = true;
  try {
    const url = `/v1/models/${encodeURIComponent(state.model.name)}/sanity?${q}`;
    const { response } = await work(url, imageForm(state.image.blob, state.image.name), accept, abort.signal, status, true);
    if (accept === 'image/png') {
      out.replaceChildren(el('img', { class: 'compare-png', src: URL.createObjectURL(await response.blob()),
        alt: `Sanity check panel: maps of ${methods.join(', ')} as the layers are randomised` }));
    } else {
      out.replaceChildren(sanityTable(await response.json()));
    }
  } catch (e) {
    out.replaceChildren(e instanceof Cancelled ? el('p', { class: 'hint', text: 'Cancelled.' }) : errorElement(e));
  } finally {
    button.disabled = false;
  }
}

function sanityTable(r) {
  const n = (v) => (v == null ? '–' : Number(v).toFixed(3));
  const table = el('table', { class: 'metrics' },
    el('caption', { text: `${r.mode} randomisation, seed ${r.seed}, target ${r.target.label}: similarity of each map to the trained model's (Spearman of |map| / SSIM; 1 = unchanged)` }));
  table.append(el('thead', {}, el('tr', {},
    el('th', { scope: 'col', text: 'Step' }), el('th', { scope: 'col', text: 'Randomised' }),
    el('th', { scope: 'col', text: `p(${r.target.label})` }),
    ...r.methods.map((m) => el('th', { scope: 'col', text: m })))));
  const body = el('tbody');
  for (const s of r.steps) {
    body.append(el('tr', {},
      el('th', { scope: 'row', text: String(s.step) }),
      el('td', { text: s.randomised.join(', ') }),
      el('td', { text: n(s.probability) }),
      ...r.methods.map((m) => {
        const x = s.similarities[m] || {};
        return el('td', { text: `${n(x.spearmanAbs)} / ${n(x.ssim)}` });
      })));
  }
  table.append(body);
  return el('div', {},
    el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Sanity check table' }, table),
    r.similarity ? el('details', {}, el('summary', { text: 'How the maps are compared' }), el('p', { class: 'hint', text: r.similarity })) : null);
}

function redrawAll() {
  const table = state.tables.get($('colormap').value);
  for (const p of state.panels.values()) {
    if (!p.values) continue;
    paintMap(p.heat, p.values, state.image.W, state.image.H, table);
    if (p.colorbar) paintColorbar(p.colorbar, table);
  }
}

function downloads(panel) {
  const base = `${state.image.name.replace(/\.[^.]+$/, '')}-${panel.key}`;
  const save = (blob, name) => {
    const a = el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };
  const fetchAs = async (button, accept, extra, name) => {
    const q = new URLSearchParams(panel.query);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    button.disabled = true;
    const old = button.textContent;
    button.textContent = `${old}…`;
    const status = { row: el('span'), indeterminate() {}, job() {}, update() {} };
    try {
      const { response } = await request(panel.key, q, accept, undefined, status);
      save(await response.blob(), name);
    } catch (e) {
      panel.caption.append(errorElement(e));
    } finally {
      button.disabled = false;
      button.textContent = old;
    }
  };
  const png = el('button', { type: 'button', text: 'PNG', 'aria-label': `Download the ${panel.key} overlay as PNG` });
  png.addEventListener('click', () => fetchAs(png, 'image/png',
    { render: 'overlay', colormap: $('colormap').value, alpha: $('opacity').value, size: 'original' }, `${base}.png`));
  const json = el('button', { type: 'button', text: 'JSON', 'aria-label': `Download the ${panel.key} map as JSON` });
  json.addEventListener('click', () => save(new Blob([JSON.stringify(panel.result, null, 1)], { type: 'application/json' }), `${base}.json`));
  const npy = el('button', { type: 'button', text: 'NPY', 'aria-label': `Download the raw ${panel.key} map as NPY` });
  npy.addEventListener('click', () => fetchAs(npy, 'application/x-npy', {}, `${base}.npy`));
  return el('div', { class: 'downloads' }, el('span', { class: 'hint', text: 'Download:' }), png, json, npy);
}

start();
