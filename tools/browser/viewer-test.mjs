// End-to-end test of the viewer page in Debian's Chromium (playwright-core) with axe-core.
//
//   node viewer-test.mjs --url http://127.0.0.1:8080 --out DIR [--chromium /usr/bin/chromium]
//
// Prints one JSON object (also written to DIR/result.json) with what each step saw; api/ViewerBrowserTest
// asserts on it. Exit code 0 when the script ran to its end (the assertions are the JUnit test's), 2 on a crash.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const require = createRequire(import.meta.url);

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const base = (args.url || 'http://127.0.0.1:8080').replace(/\/$/, '');
const out = resolve(args.out || join(repo, 'target', 'browser'));
const executablePath = args.chromium || process.env.SALIENCE_CHROMIUM || '/usr/bin/chromium';
const image = resolve(repo, args.image || 'examples/planted-demo/red-6.png');
const model = args.model || 'planted-demo';
const tiff = args.tiff ? resolve(args.tiff) : null; // the same image as a TIFF, which Chromium cannot decode
mkdirSync(out, { recursive: true });

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];

const result = { url: base, model, image: image.slice(repo.length + 1), steps: {}, console: [], pageErrors: [] };
const log = (...m) => process.stderr.write(`${m.join(' ')}\n`);

async function waitState(page, method, states, timeout = 120000) {
  await page.waitForFunction(([m, s]) => {
    const f = document.querySelector(`.panel[data-method="${m}"]`);
    return f && s.includes(f.dataset.state);
  }, [method, states], { timeout, polling: 50 });
  return page.$eval(`.panel[data-method="${method}"]`, (f) => f.dataset.state);
}

/** Pixel statistics of a panel's map canvas, read in the page. */
function heatStats(page, method) {
  return page.evaluate((m) => {
    const f = document.querySelector(`.panel[data-method="${m}"]`);
    const c = f.querySelector('canvas.heat');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < d.length; i += 4) {
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      const l = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      sum += l;
      sq += l * l;
    }
    const n = d.length / 4;
    const style = getComputedStyle(c);
    const box = c.getBoundingClientRect();
    return {
      width: c.width, height: c.height, shownWidth: Math.round(box.width), shownHeight: Math.round(box.height),
      distinctColours: colours.size, lumaStd: Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2)),
      opacity: Number(style.opacity), imageRendering: style.imageRendering, connected: c.isConnected,
      ariaLabel: c.getAttribute('aria-label'),
    };
  }, method);
}

/** The share of pixels where the page's map differs (> 8 levels in a channel) from the server's heatmap PNG. */
function agreementWithServer(page, method) {
  return page.evaluate(async (m) => {
    const v = window.salienceViewer;
    const p = v.panels.get(m);
    const q = new URLSearchParams(p.query);
    q.set('render', 'heatmap');
    q.set('size', 'original');
    q.set('colormap', document.getElementById('colormap').value);
    const form = new FormData();
    form.append('image', v.image.blob, v.image.name);
    const r = await fetch(`/v1/models/${v.model.name}/saliency?${q}`, { method: 'POST', body: form, headers: { Accept: 'image/png' } });
    const bmp = await createImageBitmap(await r.blob());
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    const server = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const heat = p.heat.getContext('2d').getImageData(0, 0, p.heat.width, p.heat.height).data;
    if (server.length !== heat.length) return { sameSize: false, serverWidth: bmp.width, serverHeight: bmp.height };
    let differing = 0;
    for (let i = 0; i < heat.length; i += 4) {
      if (Math.abs(heat[i] - server[i]) > 8 || Math.abs(heat[i + 1] - server[i + 1]) > 8
        || Math.abs(heat[i + 2] - server[i + 2]) > 8) differing++;
    }
    return { sameSize: true, status: r.status, differingShare: differing / (heat.length / 4) };
  }, method);
}

const originalPixels = (page) => page.$eval('.panel[data-method=""] canvas.base', (c) =>
  Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data));

const mapValues = (page, method) => page.evaluate((m) => Array.from(window.salienceViewer.panels.get(m).values), method);

async function axe(page, label) {
  await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return {
    label,
    violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
    passes: r.passes.length,
  };
}

async function setMethods(page, names) {
  await page.$$eval('.method input[type=checkbox]', (boxes, wanted) => {
    for (const b of boxes) {
      if (b.checked !== wanted.includes(b.value)) b.click();
    }
  }, names);
}

async function main() {
  const browser = await chromium.launch({ executablePath, headless: true, args: FLAGS });
  result.browser = browser.version();
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('console', (m) => { if (m.type() === 'error') result.console.push(m.text()); });
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
  try {
    // the page and its start-up reads (/v1/models, /v1/methods, /v1/colormaps)
    const t0 = Date.now();
    const resp = await page.goto(`${base}/?model=${model}`);
    result.steps.load = { status: resp.status(), contentType: resp.headers()['content-type'] };
    await page.waitForSelector('body[data-ready=true]', { timeout: 30000 });
    await page.waitForSelector('#examples button', { timeout: 30000 });
    result.steps.load.ms = Date.now() - t0;
    result.steps.load.title = await page.title();
    result.steps.load.colormap = await page.inputValue('#colormap');
    result.steps.load.methods = await page.$$eval('.method input', (b) => b.length);
    result.steps.load.examples = await page.$$eval('#examples button', (b) => b.map((x) => x.dataset.example));
    result.axeStart = await axe(page, 'start');

    // keyboard: every control is reached with Tab
    await page.focus('#model');
    const reached = new Set();
    for (let i = 0; i < 80; i++) {
      reached.add(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName));
      await page.keyboard.press('Tab');
    }
    result.steps.keyboard = { reached: [...reached] };

    // an upload that is no image: the server's problem in words
    await page.setInputFiles('#file', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
    await page.waitForSelector('#messages .error', { timeout: 30000 });
    result.steps.badUpload = { message: await page.textContent('#messages .error') };

    // 2. upload an image
    await page.setInputFiles('#file', image);
    await page.waitForSelector('#bars .bar', { timeout: 30000 });
    result.steps.upload = {
      bars: await page.$$eval('#bars .bar', (b) => b.map((x) => ({ index: Number(x.dataset.index), text: x.textContent, pressed: x.getAttribute('aria-pressed') }))),
      messages: await page.textContent('#messages'),
    };

    // a TIFF: shown as the server decodes it, the same pixels as the PNG
    if (tiff) {
      const png = await originalPixels(page);
      await page.setInputFiles('#file', tiff);
      await page.waitForFunction((n) => window.salienceViewer.image?.name === n && window.salienceViewer.prediction
        && document.querySelector('.panel[data-method=""]'), tiff.split('/').pop(), { timeout: 30000 });
      const tif = await originalPixels(page);
      let maxDiff = png.length === tif.length ? 0 : 255;
      for (let i = 0; i < Math.min(png.length, tif.length); i++) maxDiff = Math.max(maxDiff, Math.abs(png[i] - tif[i]));
      result.steps.tiff = { maxDiff, pixels: tif.length / 4,
        bars: await page.$$eval('#bars .bar', (b) => b.map((x) => x.textContent)) };
      await page.setInputFiles('#file', image);
      await page.waitForFunction((n) => window.salienceViewer.image?.name === n && window.salienceViewer.prediction,
        image.split('/').pop(), { timeout: 30000 });
    }

    // 3. Grad-CAM and guided backprop
    await setMethods(page, ['grad-cam', 'guided-backprop']);
    await page.click('#explain');
    const states = {};
    for (const m of ['grad-cam', 'guided-backprop']) states[m] = await waitState(page, m, ['done', 'failed']);
    // 4. both overlays appear, their pixels are not blank, and they are what the server renders
    result.steps.overlays = { states };
    for (const m of ['grad-cam', 'guided-backprop']) {
      result.steps.overlays[m] = { ...(await heatStats(page, m)), server: await agreementWithServer(page, m),
        caption: await page.$eval(`.panel[data-method="${m}"] figcaption`, (c) => c.textContent) };
    }
    // a finished job is deleted once its result is read (the server holds a bounded number of jobs)
    const finishedJob = await page.evaluate(() => window.salienceViewer.panels.get('grad-cam').job?.id || null);
    if (finishedJob) {
      const r = await fetch(`${base}/v1/jobs/${finishedJob}`, { headers: { Accept: 'application/json' } });
      result.steps.overlays.finishedJob = { id: finishedJob, status: r.status };
    }
    result.steps.overlays.original = await page.$eval('.panel[data-method=""] canvas.base', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const s = new Set();
      for (let i = 0; i < d.length; i += 4) s.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return { width: c.width, height: c.height, distinctColours: s.size };
    });
    // opacity and colour map act on the shown maps without asking the server again
    await page.fill('#opacity', '0.8');
    await page.dispatchEvent('#opacity', 'input');
    const before = await heatStats(page, 'grad-cam');
    await page.selectOption('#colormap', 'inferno');
    const inferno = await heatStats(page, 'grad-cam');
    await page.selectOption('#colormap', result.steps.load.colormap);
    result.steps.display = { opacity: before.opacity, infernoColours: inferno.distinctColours,
      infernoLuma: inferno.lumaStd, viridisLuma: before.lumaStd };

    // 5. change the target class: the map changes
    const gradBefore = await mapValues(page, 'grad-cam');
    const guidedBefore = await mapValues(page, 'guided-backprop');
    const other = result.steps.upload.bars[1].index;
    await page.click(`#bars .bar[data-index="${other}"]`);
    await page.waitForFunction((o) => {
      const p = window.salienceViewer.panels.get('grad-cam');
      const g = window.salienceViewer.panels.get('guided-backprop');
      return p.result.target.index === o && g.result.target.index === o
        && p.fig.dataset.state === 'done' && g.fig.dataset.state === 'done';
    }, other, { timeout: 60000, polling: 50 });
    const gradAfter = await mapValues(page, 'grad-cam');
    const guidedAfter = await mapValues(page, 'guided-backprop');
    const meanAbs = (a, b) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    result.steps.target = {
      to: other,
      pressed: await page.$eval(`#bars .bar[data-index="${other}"]`, (b) => b.getAttribute('aria-pressed')),
      label: await page.$eval('.panel[data-method="grad-cam"]', (f) => window.salienceViewer.panels.get('grad-cam').result.target.label),
      gradCamMeanAbsChange: meanAbs(gradBefore, gradAfter),
      guidedMeanAbsChange: meanAbs(guidedBefore, guidedAfter),
    };

    // contrast "A vs B"
    await page.selectOption('#target', 'predicted');
    await page.check('#contrast-on');
    const contrastTo = String(other);
    await page.selectOption('#contrast', contrastTo);
    await page.waitForFunction(() => {
      const p = window.salienceViewer.panels.get('grad-cam');
      return p.result.target.contrastIndex != null && p.fig.dataset.state === 'done';
    }, null, { timeout: 60000, polling: 50 });
    result.steps.contrast = { label: await page.evaluate(() => window.salienceViewer.panels.get('grad-cam').result.target.label) };
    await page.uncheck('#contrast-on');

    // the picture: predicted class, three methods (integrated gradients shows its completeness gap)
    await setMethods(page, ['grad-cam', 'guided-backprop', 'integrated-gradients']);
    await page.click('#explain');
    for (const m of ['grad-cam', 'guided-backprop', 'integrated-gradients']) await waitState(page, m, ['done', 'failed']);
    await page.fill('#opacity', '0.6');
    await page.dispatchEvent('#opacity', 'input');
    result.steps.picture = {
      targets: await page.evaluate(() => [...window.salienceViewer.panels.values()].filter((p) => p.result).map((p) => p.result.target.label)),
      completeness: await page.$eval('.panel[data-method="integrated-gradients"] figcaption', (c) => c.textContent.match(/Completeness gap: [^)]*\)/)?.[0] || null),
    };
    // trust metrics, where the server has the compare endpoint
    const capsNow = await page.evaluate(async () => { await window.salienceViewer.capsReady; return window.salienceViewer.caps; });
    result.steps.metrics = { compare: capsNow.compare };
    if (capsNow.compare) {
      await page.waitForSelector('#run-metrics', { timeout: 10000 });
      await page.click('#run-metrics');
      await page.waitForSelector('#metrics-out table.metrics, #metrics-out .error', { timeout: 120000 });
      result.steps.metrics.error = await page.$eval('#metrics-out', (o) => o.querySelector('.error')?.textContent || null);
      result.steps.metrics.rows = await page.$$eval('#metrics-out table.metrics tbody tr', (rows) =>
        rows.map((r) => [...r.children].map((c) => c.textContent)));
      result.steps.metrics.columns = await page.$$eval('#metrics-out table.metrics thead th', (h) => h.map((c) => c.textContent));
    }
    // the sanity check, where the server has it
    result.steps.sanity = { available: capsNow.sanity };
    if (capsNow.sanity) {
      await page.waitForSelector('#run-sanity', { timeout: 10000 });
      await page.click('#run-sanity');
      await page.waitForSelector('#sanity-out table.metrics, #sanity-out .error', { timeout: 180000 });
      result.steps.sanity.error = await page.$eval('#sanity-out', (o) => o.querySelector('.error')?.textContent || null);
      result.steps.sanity.rows = await page.$$eval('#sanity-out table.metrics tbody tr', (rows) =>
        rows.map((r) => [...r.children].map((c) => c.textContent)));
      result.steps.sanity.columns = await page.$$eval('#sanity-out table.metrics thead th', (h) => h.map((c) => c.textContent));
    }
    result.axeResults = await axe(page, 'results');
    const shot = join(out, 'viewer.png');
    await page.screenshot({ path: shot, fullPage: true });
    result.screenshot = shot;

    // a full queue: the server's documented 503 (problem+json, Retry-After) in words, then Retry works
    await setMethods(page, ['gradient']);
    let refused = 0;
    const busy = async (route) => {
      refused++;
      await route.fulfill({
        status: 503,
        headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '3' },
        body: JSON.stringify({ type: 'urn:salience:problem:overloaded', title: 'Service overloaded', status: 503,
          detail: 'The inference queue is full', reason: 'queue_full' }),
      });
    };
    const gradientRequest = (url) => url.pathname.endsWith('/saliency') && url.searchParams.get('method') === 'gradient';
    await page.route(gradientRequest, busy);
    await page.click('#explain');
    await waitState(page, 'gradient', ['failed', 'done']);
    const busyText = await page.textContent('.panel[data-method="gradient"] .error');
    await page.unroute(gradientRequest, busy);
    await page.click('.panel[data-method="gradient"] .error button');
    result.steps.busy = { refused, message: busyText, afterRetry: await waitState(page, 'gradient', ['failed', 'done']) };

    // 6. a slow method as a job: progress moves, cancel, and the server's job is cancelled
    const caps = await page.evaluate(() => window.salienceViewer.caps);
    result.steps.slow = { jobs: caps.jobs };
    await setMethods(page, ['rise']);
    const masks = await page.$eval('.params-block[data-method="rise"] [name=masks]', (i) => i.max);
    await page.$eval('.params-block[data-method="rise"]', (d) => { d.open = true; });
    await page.fill('.params-block[data-method="rise"] [name=masks]', masks);
    result.steps.slow.masks = Number(masks);
    await page.click('#explain');
    await page.waitForSelector('.panel[data-method="rise"] progress', { timeout: 30000 });
    const seen = [];
    const t1 = Date.now();
    while (Date.now() - t1 < 60000) {
      const s = await page.evaluate(() => {
        const f = document.querySelector('.panel[data-method="rise"]');
        const p = f.querySelector('progress');
        return { state: f.dataset.state, value: p ? (p.hasAttribute('value') ? p.value : null) : null, job: f.dataset.job || null };
      });
      if (s.state !== 'running') { seen.push(s); break; }
      if (s.value != null && (seen.length === 0 || seen[seen.length - 1].value !== s.value)) seen.push(s);
      const moved = seen.filter((x) => x.value > 0 && x.value < 100).length;
      if ((caps.jobs && moved >= 2) || (!caps.jobs && Date.now() - t1 > 500)) break;
      await page.waitForTimeout(50);
    }
    result.steps.slow.progress = seen;
    result.steps.slow.jobId = await page.$eval('.panel[data-method="rise"]', (f) => f.dataset.job || null);
    await page.click('.panel[data-method="rise"] button.cancel');
    result.steps.slow.state = await waitState(page, 'rise', ['cancelled', 'done', 'failed'], 30000);
    if (result.steps.slow.jobId) {
      // the page sent DELETE; the job's own view says what the server did
      const r = await fetch(`${base}/v1/jobs/${result.steps.slow.jobId}`, { headers: { Accept: 'application/json' } });
      result.steps.slow.server = { status: r.status, body: await r.json().catch(() => null) };
    }
    result.finished = true;
  } catch (e) {
    result.error = String(e && e.stack || e);
    try { await page.screenshot({ path: join(out, 'failure.png'), fullPage: true }); } catch { /* ignore */ }
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  result.error = String(e && e.stack || e);
}
writeFileSync(join(out, 'result.json'), JSON.stringify(result, null, 1));
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.error ? 2 : 0);
