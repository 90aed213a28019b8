// Server problems (RFC 9457 problem+json) in words a person understands.

const KIND = (problem) => String(problem.type || '').replace('urn:salience:problem:', '');

function retryText(seconds) {
  if (seconds == null) return 'Try again in a few seconds.';
  if (seconds <= 1) return 'Try again in a second.';
  return `Try again in ${seconds} seconds.`;
}

/**
 * {title, text, busy} for an ApiError: busy is true when waiting and retrying will help
 * (the server is not ready or its queue is full).
 */
export function explainError(error) {
  const p = error.problem || {};
  const detail = p.detail ? ` (The server said: ${p.detail})` : '';
  switch (KIND(p)) {
    case 'model-unavailable':
      return { busy: true, title: 'The model is not ready',
        text: `The model is still loading, or it failed to load. ${retryText(error.retryAfter)}${detail}` };
    case 'overloaded': {
      const reason = p.reason;
      const why = reason === 'queue_full' || reason === 'queue-full' ? 'its queue is full'
        : reason === 'deadline' ? 'the request waited longer than its time limit'
          : reason === 'shutting_down' || reason === 'shutting-down' ? 'it is shutting down'
            : 'it has too much work right now';
      return { busy: true, title: 'The server is busy',
        text: `The server could not take this request: ${why}. ${retryText(error.retryAfter)}${detail}` };
    }
    case 'job-store-full':
      return { busy: true, title: 'The server is busy',
        text: `It holds as many background jobs as it can right now. ${retryText(error.retryAfter)}${detail}` };
    case 'job-result-too-large':
      return { busy: false, title: 'The result is too large to keep',
        text: `Try a smaller image or a lighter setting.${detail}` };
    case 'invalid-parameter':
      return { busy: false, title: p.parameter ? `The setting "${p.parameter}" was not accepted` : 'A setting was not accepted',
        text: p.detail || 'Check the values you entered.' };
    case 'unknown-model':
      return { busy: false, title: 'Unknown model', text: `The server has no such model.${detail}` };
    case 'too-large':
      return { busy: false, title: 'The image is too large', text: p.detail || 'Use a smaller image.' };
    case 'unsupported-media-type':
      return { busy: false, title: 'Not an image the server can read',
        text: `Choose a PNG, JPEG or TIFF image.${detail}` };
    case 'undecodable-image':
      return { busy: false, title: 'The image file is damaged',
        text: `The file looks like an image but cannot be decoded.${detail}` };
    case 'unsupported-model':
      return { busy: false, title: 'This method does not work with this model', text: p.detail || '' };
    case 'not-acceptable':
      return { busy: false, title: 'Format not available', text: p.detail || '' };
    case 'not-found':
      return { busy: false, title: 'Not found', text: p.detail || '' };
    case 'internal-error':
      return { busy: false, title: 'Something went wrong on the server',
        text: 'The server failed while doing this. Trying again or another method may help; the server log has the details.' };
    default:
      if (error.status === 0) return { busy: true, title: 'No connection', text: 'The server cannot be reached. Is it running?' };
      if (error.status === 503) {
        return { busy: true, title: 'The server is not ready', text: `${retryText(error.retryAfter)}${detail}` };
      }
      return { busy: false, title: p.title || `Error ${error.status}`, text: p.detail || '' };
  }
}

/** An element showing an error, with a retry button when retrying can help. */
export function errorElement(error, retry) {
  const e = explainError(error);
  const box = document.createElement('div');
  box.className = e.busy ? 'error busy' : 'error';
  box.setAttribute('role', 'alert');
  const strong = document.createElement('strong');
  strong.textContent = `${e.title}. `;
  box.append(strong, document.createTextNode(e.text));
  if (retry && e.busy) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Retry';
    b.style.marginLeft = '8px';
    b.addEventListener('click', () => { box.remove(); retry(); });
    box.append(b);
  }
  return box;
}
