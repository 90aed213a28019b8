// HTTP access to the Salience REST API: JSON reads, multipart posts, RFC 9457 problems, and async jobs.

/** An error answered by the server as application/problem+json (or a failed request). */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter; // seconds, or null
  }
}

/** The user (or a newer request) cancelled the work. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

function retryAfterOf(response) {
  const v = response.headers.get('Retry-After');
  if (v == null) return null;
  const s = Number(v);
  if (Number.isFinite(s)) return s;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, Math.round((t - Date.now()) / 1000)) : null;
}

/** An ApiError from a non-2xx response, reading its problem+json body when there is one. */
export async function errorOf(response) {
  let problem = {};
  const type = response.headers.get('Content-Type') || '';
  try {
    if (type.includes('json')) {
      const body = await response.json();
      // the serving protocols answer {"error": ...}; the native API answers problem+json
      problem = body && typeof body === 'object' ? body : {};
      if (problem.error && !problem.detail) problem = { detail: String(problem.error) };
    } else {
      const text = await response.text();
      problem = { detail: text.slice(0, 300) };
    }
  } catch {
    problem = {};
  }
  if (problem.status == null) problem.status = response.status;
  return new ApiError(response.status, problem, retryAfterOf(response));
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    if (e && e.name === 'AbortError') throw new Cancelled();
    throw new ApiError(0, { title: 'No connection', detail: 'The server cannot be reached.' }, null);
  }
  return response;
}

/** GET a JSON resource. */
export async function getJson(url, signal) {
  const r = await send(url, { headers: { Accept: 'application/json' }, signal });
  if (!r.ok) throw await errorOf(r);
  return r.json();
}

/** POST a multipart form; resolves to the (2xx) Response. */
export async function postForm(url, form, accept, signal) {
  const r = await send(url, { method: 'POST', body: form, headers: { Accept: accept }, signal });
  if (!r.ok && r.status !== 202) throw await errorOf(r);
  return r;
}

/**
 * What the server offers beyond the core API, read from its OpenAPI document: the job API
 * (async=true on model work), the compare endpoint (maps + metrics) and the sanity checks.
 */
export async function capabilities() {
  try {
    const doc = await getJson('/v3/api-docs');
    const paths = Object.keys(doc.paths || {});
    const takesAsync = (path) => JSON.stringify(doc.paths[path] || {}).includes('"async"');
    const sanityOp = doc.paths['/v1/models/{model}/sanity']?.post;
    return {
      sanityParameters: (sanityOp?.parameters || []).filter((p) => p.in === 'query').map(specOf),
      jobs: paths.includes('/v1/jobs/{id}') && takesAsync('/v1/models/{model}/saliency'),
      compare: paths.includes('/v1/models/{model}/compare'),
      compareAsync: paths.includes('/v1/jobs/{id}') && takesAsync('/v1/models/{model}/compare'),
      sanity: paths.includes('/v1/models/{model}/sanity'),
      // methods=a,b,c: several maps of one image in one request (the gradient and CAM methods share a session run)
      several: (doc.paths['/v1/models/{model}/saliency']?.post?.parameters || []).some((p) => p.name === 'methods'),
    };
  } catch {
    // the API document may be switched off: jobs are then tried (a server without them refuses async with a 400)
    return { jobs: null, compare: false, compareAsync: false, sanity: false, several: false };
  }
}

/** An OpenAPI query parameter as the ParamSpec shape of /v1/methods (name, type, defaultValue, limits, ...). */
function specOf(p) {
  const sc = p.schema || {};
  const values = sc.enum || null;
  const type = values ? 'choice' : sc.type === 'integer' || sc.type === 'number' ? sc.type : 'string';
  const limits = values ? values.join(', ')
    : sc.minimum != null || sc.maximum != null ? `${sc.minimum ?? ''}..${sc.maximum ?? ''}` : '';
  return { name: p.name, type, defaultValue: sc.default != null ? String(sc.default) : '', limits, values,
    minimum: sc.minimum, maximum: sc.maximum, description: (p.description || '').split(';')[0] };
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(new Cancelled()); }, { once: true });
});

/**
 * Runs model work as an async job: POST with async=true (202 + Location), polls GET /v1/jobs/{id}
 * reporting progress, then fetches the result. Aborting the signal cancels the job (DELETE).
 * Resolves to {response, job} where response is the result's Response (its headers included).
 *
 * @param onJob called once with the job view when the server has accepted it
 * @param onProgress called with each job view while it runs
 */
export async function runJob(url, form, accept, { signal, onJob, onProgress } = {}) {
  const sep = url.includes('?') ? '&' : '?';
  const r = await postForm(`${url}${sep}async=true`, form, accept, signal);
  if (r.status !== 202) return { response: r, job: null };
  let job = await r.json();
  const location = r.headers.get('Location') || `/v1/jobs/${job.id}`;
  onJob?.(job);
  const cancel = () => fetch(location, { method: 'DELETE' }).catch(() => {});
  let wait = 60;
  try {
    for (;;) {
      if (job.state === 'succeeded') break;
      if (job.state === 'failed') {
        throw new ApiError(job.error?.status || 500, job.error || {}, null);
      }
      if (job.state === 'cancelled') throw new Cancelled();
      await sleep(wait, signal);
      wait = Math.min(400, wait * 1.5);
      const p = await send(location, { headers: { Accept: 'application/json' }, signal });
      if (!p.ok) throw await errorOf(p);
      job = await p.json();
      onProgress?.(job);
    }
  } catch (e) {
    if (e instanceof Cancelled || signal?.aborted) {
      await cancel();
      throw new Cancelled();
    }
    throw e;
  }
  const result = await send(job.resultUrl || `${location}/result`, { headers: { Accept: accept }, signal });
  if (!result.ok) throw await errorOf(result);
  // the result is read into memory, then the finished job is deleted: the server holds a bounded number of jobs
  const body = await result.blob();
  cancel();
  return { response: new Response(body, { status: result.status, headers: result.headers }), job };
}
