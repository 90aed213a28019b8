/**
 * Pure-Java image handling for Salience: decoding uploads ({@link io.salience.imaging.ImageDecoder}),
 * model preprocessing ({@link io.salience.imaging.Preprocessor}), saliency normalisation
 * ({@link io.salience.imaging.SaliencyNormalizer}), colour maps and PNG rendering
 * ({@link io.salience.imaging.SaliencyRenderer}) and NPY files ({@link io.salience.imaging.NpyWriter}).
 *
 * <p>Everything here is stateless or immutable and safe to share between threads. Arrays passed in
 * or returned (tensors, maps) are not copied unless a Javadoc says so.
 */
package io.salience.imaging;
