package io.qwen4j.tensor;

import java.util.List;

/**
 * The numerical operations a forward pass is made of. Two implementations: {@link #scalar()} is the
 * plain-loop oracle that tests trust, {@link #vector(ThreadPool)} the Vector API one that runs the
 * models. Activations are row-major {@code [tokens, features]}; every operation works row by row.
 */
public interface Ops {
    /** The reference implementation: single-threaded loops over dequantised rows. */
    static Ops scalar() {
        return ScalarOps.INSTANCE;
    }

    /** The fast implementation on {@code pool}'s threads. */
    static Ops vector(ThreadPool pool) {
        return new VectorOps(pool);
    }

    /** Describes the implementation (species, threads), for logs and benchmarks. */
    String describe();

    /** The pool parallel loops run on. */
    ThreadPool pool();

    /** {@code out[t, r] = Σ_c w[r, c] · x[t, c]}: {@code out} is {@code [x.rows, w.rows]}. */
    void matmul(Weight w, FloatMatrix x, FloatMatrix out);

    /** One {@link #matmul} of a {@link #matmuls} batch. */
    record Product(Weight w, FloatMatrix x, FloatMatrix out) {}

    /**
     * Several independent {@link #matmul}s as one parallel job (e.g. the small matmuls of a mixture's
     * experts), each with the results {@code matmul} would give; no product may write what another reads.
     */
    void matmuls(List<Product> products);

    /** {@code out[t] = weight ⊙ x[t] / sqrt(mean(x[t]²) + eps)}; {@code out} may be {@code x}. */
    void rmsNorm(FloatMatrix x, float[] weight, float eps, FloatMatrix out);

    /**
     * Rotate-half ("NeoX") rotary embedding in place. {@code x} is {@code [T, heads·headDim]};
     * {@code cos}/{@code sin} are {@code [T, headDim/2]}: dimension j of every head pairs with j+headDim/2.
     */
    void rope(FloatMatrix x, int headDim, FloatMatrix cos, FloatMatrix sin);

    /** Softmax over {@code x[off .. off+len)} in place. */
    void softmax(float[] x, int off, int len);

    /** {@code out = silu(gate) ⊙ up}; {@code out} may be {@code gate}. */
    void siluMul(FloatMatrix gate, FloatMatrix up, FloatMatrix out);

    /** {@code acc += x}, element-wise. */
    void add(FloatMatrix acc, FloatMatrix x);

    /** Σ a[ao+i]·b[bo+i] for i < n. */
    float dot(float[] a, int ao, float[] b, int bo, int n);

    /** {@code y[yo+i] += alpha · x[xo+i]} for i < n. */
    void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n);

    /** {@code x[xo+i] *= alpha} for i < n. */
    void scale(float alpha, float[] x, int xo, int n);

    /**
     * Attention scores: {@code out[p] = scale · dot(a[ao..ao+n), rows[first + p·stride ..])} for p < count;
     * a score has the same bits whatever {@code count} and its place among the rows.
     */
    void dots(float[] a, int ao, float[] rows, int first, int stride, int count, int n, float scale, float[] out);

    /**
     * Attention output: {@code y[yo+i] = Σ_p w[p] · rows[first + p·stride + i]} for i < n, summed in order of p
     * (the bits of {@link #axpy} applied row after row to zeros).
     */
    void weightedSum(float[] w, int count, float[] rows, int first, int stride, int n, float[] y, int yo);

    // --- encoder operations (Omni audio and vision towers) ---

    /**
     * {@code out[t] = (x[t] − mean) / sqrt(var + eps) ⊙ weight + bias} with the biased variance of row {@code t}
     * (torch.nn.LayerNorm); {@code out} may be {@code x}.
     */
    void layerNorm(FloatMatrix x, float[] weight, float[] bias, float eps, FloatMatrix out);

    /** Exact GELU, {@code out = x·(1 + erf(x/√2))/2} (torch.nn.GELU(), ACT2FN "gelu"); {@code out} may be {@code x}. */
    void gelu(FloatMatrix x, FloatMatrix out);

    /**
     * Tanh-approximated GELU, {@code out = x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2} (ACT2FN
     * "gelu_pytorch_tanh"); {@code out} may be {@code x}.
     */
    void geluTanh(FloatMatrix x, FloatMatrix out);
}
