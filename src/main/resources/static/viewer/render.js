// Drawing: the server's normalised map (values in [0, 1]) resized and coloured exactly as the server's PNG
// renderer does it (bilinear with half-pixel centres, entry min(255, floor(256 v)) of a 256-colour table).

/** Bilinear resize of a row-major h x w map to H x W with half-pixel centres, edges clamped (OpenCV INTER_LINEAR). */
export function resizeBilinear(src, h, w, H, W) {
  if (h === H && w === W) return Float32Array.from(src);
  const out = new Float32Array(H * W);
  const sy = h / H;
  const sx = w / W;
  for (let y = 0; y < H; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    let y0 = Math.floor(fy);
    let dy = fy - y0;
    if (y0 < 0) { y0 = 0; dy = 0; }
    if (y0 >= h - 1) { y0 = h - 1; dy = 0; }
    const y1 = Math.min(h - 1, y0 + 1);
    for (let x = 0; x < W; x++) {
      let fx = (x + 0.5) * sx - 0.5;
      let x0 = Math.floor(fx);
      let dx = fx - x0;
      if (x0 < 0) { x0 = 0; dx = 0; }
      if (x0 >= w - 1) { x0 = w - 1; dx = 0; }
      const x1 = Math.min(w - 1, x0 + 1);
      const top = src[y0 * w + x0] * (1 - dx) + src[y0 * w + x1] * dx;
      const bottom = src[y1 * w + x0] * (1 - dx) + src[y1 * w + x1] * dx;
      out[y * W + x] = top * (1 - dy) + bottom * dy;
    }
  }
  return out;
}

/** '#rrggbb' strings to a Uint8Array of 256 x RGB. */
export function lut(colors) {
  const t = new Uint8Array(256 * 3);
  colors.forEach((c, i) => {
    const v = parseInt(c.slice(1), 16);
    t[i * 3] = (v >> 16) & 255;
    t[i * 3 + 1] = (v >> 8) & 255;
    t[i * 3 + 2] = v & 255;
  });
  return t;
}

/** The colour-map entry of a value in [0, 1]: min(255, floor(256 v)); NaN and v <= 0 give 0. */
export const entry = (v) => (v > 0 ? Math.min(255, Math.floor(v * 256)) : 0);

/** Paints values (W x H, row-major) through the table into the canvas (opaque). */
export function paintMap(canvas, values, W, H, table) {
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(W, H);
  for (let i = 0; i < W * H; i++) {
    const e = entry(values[i]) * 3;
    img.data[i * 4] = table[e];
    img.data[i * 4 + 1] = table[e + 1];
    img.data[i * 4 + 2] = table[e + 2];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Draws an image (ImageBitmap) onto white at W x H, as the server composites transparent pixels. */
export function paintImage(canvas, bitmap, W, H) {
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, W, H);
}

/** A 256 x 1 colour bar of the table. */
export function paintColorbar(canvas, table) {
  const values = new Float32Array(256);
  for (let i = 0; i < 256; i++) values[i] = (i + 0.5) / 256;
  paintMap(canvas, values, 256, 1, table);
}
