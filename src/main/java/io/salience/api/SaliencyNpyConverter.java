package io.salience.api;

import io.salience.attribution.SaliencyResult;
import io.salience.imaging.NpyWriter;
import java.io.IOException;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/** {@code application/x-npy}: the raw, unnormalised float32 map. */
@Component
class SaliencyNpyConverter extends SaliencyConverter {

    /** The NPY media type. */
    static final MediaType NPY = MediaType.parseMediaType(SaliencyController.NPY);

    SaliencyNpyConverter() {
        super(NPY);
    }

    @Override
    void write(SaliencyResult r, HttpOutputMessage out) throws IOException {
        out.getHeaders()
                .setContentDisposition(
                        ContentDisposition.attachment().filename("saliency.npy").build());
        // streamed: header, then the floats in 256 KiB slices (NpyWriter), no copy of the whole file
        NpyWriter.write(r.map().values(), r.map().shape(), out.getBody());
    }
}
