package io.qwen4j.core;

import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.List;

/**
 * A SwiGLU MLP, {@code down(silu(gate(x)) ⊙ up(x))} with no biases (text.md §2.4): the dense MLP of
 * Qwen3 and each expert of Qwen3-MoE. Mirrors {@code Qwen3MLP.forward}.
 *
 * @param gate (width, H)
 * @param up   (width, H)
 * @param down (H, width)
 */
public record SwiGlu(Weight gate, Weight up, Weight down) {

    /** {@code gate_proj}, {@code up_proj}, {@code down_proj} under {@code prefix} (e.g. {@code model.layers.0.mlp.}). */
    public static SwiGlu load(WeightSource w, String prefix, int hidden, int width) {
        return new SwiGlu(
                w.require(prefix + "gate_proj.weight", width, hidden),
                w.require(prefix + "up_proj.weight", width, hidden),
                w.require(prefix + "down_proj.weight", hidden, width));
    }

    public int width() {
        return gate.rows();
    }

    public List<Weight> matrices() {
        return List.of(gate, up, down);
    }

    /**
     * {@code out = down(silu(gate(x)) ⊙ up(x))}; {@code gateBuf} and {@code upBuf} are
     * {@code [x.rows, width]} buffers whose contents are overwritten.
     */
    public void forward(Ops ops, FloatMatrix x, FloatMatrix gateBuf, FloatMatrix upBuf, FloatMatrix out) {
        ops.matmul(gate, x, gateBuf);
        ops.matmul(up, x, upBuf);
        ops.siluMul(gateBuf, upBuf, gateBuf);
        ops.matmul(down, gateBuf, out);
    }
}
