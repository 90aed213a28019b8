package io.salience.engine;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_AllocateTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Dim;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NumDims;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SessionRun;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorByteSize;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorData;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.TF_Tensor;

/** One {@code TF_SessionRun} with float feeds and fetches; every tensor it creates is deleted before it returns. */
final class SessionRunner {

    private SessionRunner() {}

    /** A float tensor's data and shape, to be fed. */
    record TensorBuffer(float[] data, long[] shape) {}

    static Outputs run(TF_Session session, List<TF_Output> feeds, List<TensorBuffer> values, List<TF_Output> fetches) {
        int nf = feeds.size();
        int no = fetches.size();
        TF_Tensor[] in = new TF_Tensor[nf];
        TF_Tensor[] out = new TF_Tensor[no];
        try (TF_Output feedArr = new TF_Output(nf);
                TF_Output fetchArr = new TF_Output(no);
                PointerPointer<TF_Tensor> inVals = new PointerPointer<>(nf);
                PointerPointer<TF_Tensor> outVals = new PointerPointer<>(no);
                TF_Status status = TF_Status.newStatus()) {
            for (int i = 0; i < nf; i++) {
                feedArr.position(i).oper(feeds.get(i).oper()).index(feeds.get(i).index());
                in[i] = toTensor(values.get(i));
                inVals.put(i, in[i]);
            }
            for (int i = 0; i < no; i++) {
                fetchArr.position(i)
                        .oper(fetches.get(i).oper())
                        .index(fetches.get(i).index());
            }
            feedArr.position(0);
            fetchArr.position(0);
            TF_SessionRun(session, null, feedArr, inVals, nf, fetchArr, outVals, no, null, 0, null, status);
            // take ownership of every fetched tensor first, so a failure part-way leaks none
            for (int i = 0; i < no; i++) {
                out[i] = outVals.get(TF_Tensor.class, i);
            }
            Tf.check(status, "Session run failed");
            List<float[]> results = new ArrayList<>(no);
            List<long[]> shapes = new ArrayList<>(no);
            for (int i = 0; i < no; i++) {
                TF_Tensor t = out[i];
                if (TF_TensorType(t) != Tf.DT_FLOAT) {
                    throw new EngineException("Fetched tensor " + i + " is not float32");
                }
                long[] shape = new long[TF_NumDims(t)];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = TF_Dim(t, d);
                }
                float[] data = new float[(int) (TF_TensorByteSize(t) / Float.BYTES)];
                new FloatPointer(TF_TensorData(t)).get(data);
                results.add(data);
                shapes.add(shape);
            }
            return new Outputs(results, shapes);
        } finally {
            deleteAll(in);
            deleteAll(out);
        }
    }

    static void deleteAll(TF_Tensor[] tensors) {
        for (TF_Tensor t : tensors) {
            if (t != null && !t.isNull()) {
                TF_DeleteTensor(t);
            }
        }
    }

    /**
     * Runs {@code targets} and fetches {@code fetches} without feeds (restore and check ops); {@code read} sees the
     * fetched tensors, which are deleted when it returns.
     */
    static <T> T runRaw(
            TF_Session session,
            List<TF_Output> fetches,
            List<TF_Operation> targets,
            String what,
            Function<List<TF_Tensor>, T> read) {
        int no = fetches.size();
        int nt = targets.size();
        List<TF_Tensor> out = new ArrayList<>(no);
        try (TF_Output fetchArr = new TF_Output(Math.max(1, no));
                PointerPointer<TF_Tensor> outVals = new PointerPointer<>(Math.max(1, no));
                PointerPointer<TF_Operation> targetArr = new PointerPointer<>(Math.max(1, nt));
                TF_Status status = TF_Status.newStatus()) {
            for (int i = 0; i < no; i++) {
                fetchArr.position(i)
                        .oper(fetches.get(i).oper())
                        .index(fetches.get(i).index());
            }
            fetchArr.position(0);
            for (int i = 0; i < nt; i++) {
                targetArr.put(i, targets.get(i));
            }
            TF_SessionRun(
                    session,
                    null,
                    null,
                    (PointerPointer<?>) null,
                    0,
                    fetchArr,
                    outVals,
                    no,
                    targetArr,
                    nt,
                    null,
                    status);
            // take ownership of every fetched tensor first, so a failure leaks none
            for (int i = 0; i < no; i++) {
                out.add(outVals.get(TF_Tensor.class, i));
            }
            Tf.check(status, what);
            return read.apply(out);
        } finally {
            deleteAll(out.toArray(TF_Tensor[]::new));
        }
    }

    private static TF_Tensor toTensor(TensorBuffer b) {
        TF_Tensor t = TF_AllocateTensor(Tf.DT_FLOAT, b.shape(), b.shape().length, (long) b.data().length * Float.BYTES);
        new FloatPointer(TF_TensorData(t)).put(b.data());
        return t;
    }
}
