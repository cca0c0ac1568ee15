package io.qwen4j.core;

import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sparse mixture-of-experts block of Qwen3-MoE (text.md §2.5); mirrors
 * {@code Qwen3MoeSparseMoeBlock.forward}, i.e. {@code Qwen3MoeTopKRouter.forward} then
 * {@code Qwen3MoeExperts.forward}. For every row {@code x}:
 * <ol>
 *   <li>router logits {@code z = x·Wgᵀ} in float32 (the caller reports them as the tap {@code ffn_moe_logits});
 *   <li>{@code p = softmax(z)} over all experts, in float32;
 *   <li>the {@code k} largest {@code p}. Ties go to the lower expert index: what {@code torch.topk} does in
 *       practice, though it promises no order; a tie needs two equal floats, which neither random nor
 *       trained weights produce in practice;
 *   <li>with {@code norm_topk_prob}, those {@code k} probabilities divided by their sum;
 *   <li>{@code out = Σ_j w_j · expert_{e_j}(x)}, each expert a {@link SwiGlu}.
 * </ol>
 * The rows are grouped by expert: the rows routed to expert {@code e} are gathered into one matrix, the
 * expert's three matmuls run once on it, and the weighted results are added to their rows, experts in
 * increasing index as transformers' {@code index_add_} loop does. A decode step (one row) therefore runs
 * exactly its {@code k} experts. The experts' matmuls run side by side ({@link Ops#matmuls}): the gate and
 * up products of all of them as one parallel job, then the down products as another. Holds its own
 * buffers: one forward at a time.
 */
public final class SparseMoe {

    /** One sparse layer's weights, shapes as in the HF checkpoint. */
    public record Weights(
            Weight router,          // (experts, H)     mlp.gate.weight
            List<SwiGlu> experts) { // experts × (Ie, H), (Ie, H), (H, Ie)

        public Weights {
            experts = List.copyOf(experts);
        }

        /**
         * {@code gate.weight} and {@code experts.E.{gate,up,down}_proj.weight} under {@code prefix} (e.g.
         * {@code model.layers.3.mlp.}): the per-expert names of HF checkpoints, which GGUF sources also offer.
         */
        public static Weights load(WeightSource w, String prefix, int hidden, int experts, int width) {
            List<SwiGlu> list = new ArrayList<>(experts);
            for (int e = 0; e < experts; e++) {
                list.add(SwiGlu.load(w, prefix + "experts." + e + ".", hidden, width));
            }
            return new Weights(w.require(prefix + "gate.weight", experts, hidden), list);
        }

        public List<Weight> matrices() {
            List<Weight> all = new ArrayList<>();
            all.add(router);
            experts.forEach(e -> all.addAll(e.matrices()));
            return all;
        }
    }

    // Scratch slots: SLOTS per expert
    private static final int XE = 0, GATE = 1, UP = 2, YE = 3, SLOTS = 4;

    private final int hidden;
    private final int experts;
    private final int topK;
    private final boolean normTopKProb;
    private final Scratch scratch = new Scratch();
    // The routing of the current forward, grouped by expert: slots [start[e], start[e+1]) of rowOf and
    // weightOf list the rows routed to expert e (in row order) and their routing weights.
    private final int[] start;
    private int[] rowOf = new int[0];
    private float[] weightOf = new float[0];
    // Per row, then per choice: the chosen experts and their weights, before grouping.
    private int[] expertOf = new int[0];
    private float[] weightOfChoice = new float[0];
    private final int[] nextSlot;
    private final float[] probs;
    private final int[] chosen;
    private final float[] chosenWeight;

    /**
     * @param hidden       H
     * @param experts      E, number of experts
     * @param topK         k, experts per token
     * @param normTopKProb renormalise the k selected probabilities ({@code norm_topk_prob})
     */
    public SparseMoe(int hidden, int experts, int topK, boolean normTopKProb) {
        if (topK < 1 || topK > experts) {
            throw new IllegalArgumentException("experts per token must be within [1, " + experts + "], got " + topK);
        }
        this.hidden = hidden;
        this.experts = experts;
        this.topK = topK;
        this.normTopKProb = normTopKProb;
        this.start = new int[experts + 1];
        this.nextSlot = new int[experts];
        this.probs = new float[experts];
        this.chosen = new int[topK];
        this.chosenWeight = new float[topK];
    }

    /**
     * {@code out = moe(x)} for every row of {@code x} ({@code [n, H]}); {@code routerLogits}
     * ({@code [n, experts]}) receives the router logits before the softmax.
     */
    public void forward(Ops ops, Weights w, FloatMatrix x, FloatMatrix routerLogits, FloatMatrix out) {
        if (w.experts().size() != experts || x.cols() != hidden || out.cols() != hidden || out.rows() != x.rows()) {
            throw new IllegalArgumentException("a " + experts + "-expert MoE of width " + hidden + " given " + w.experts().size()
                    + " experts, input " + x + " and output " + out);
        }
        int n = x.rows();
        ops.matmul(w.router(), x, routerLogits);
        route(ops, routerLogits);
        // Every expert that got rows: gather them, then all gate/up products as one parallel job, the
        // activation, all down products as another job (a decode step's k small experts in parallel).
        List<Ops.Product> gateUp = new ArrayList<>();
        List<Ops.Product> down = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            int m = start[e + 1] - start[e];
            if (m == 0) {
                continue;
            }
            SwiGlu expert = w.experts().get(e);
            FloatMatrix xe = scratch.get(SLOTS * e + XE, m, hidden);
            FloatMatrix gate = scratch.get(SLOTS * e + GATE, m, expert.width());
            FloatMatrix up = scratch.get(SLOTS * e + UP, m, expert.width());
            for (int i = 0; i < m; i++) {
                System.arraycopy(x.data(), x.offset(rowOf[start[e] + i]), xe.data(), xe.offset(i), hidden);
            }
            gateUp.add(new Ops.Product(expert.gate(), xe, gate));
            gateUp.add(new Ops.Product(expert.up(), xe, up));
            down.add(new Ops.Product(expert.down(), gate, scratch.get(SLOTS * e + YE, m, hidden)));
        }
        ops.matmuls(gateUp);
        for (int j = 0; j < gateUp.size(); j += 2) {
            FloatMatrix gate = gateUp.get(j).out();
            ops.siluMul(gate, gateUp.get(j + 1).out(), gate);
        }
        ops.matmuls(down);
        // Weighted sum, experts in increasing index as transformers' index_add_ loop adds them.
        Arrays.fill(out.data(), 0, n * hidden, 0f);
        for (int e = 0, j = 0; e < experts; e++) {
            if (start[e + 1] == start[e]) {
                continue;
            }
            FloatMatrix ye = down.get(j++).out();
            for (int i = 0; i < ye.rows(); i++) {
                int slot = start[e] + i;
                ops.axpy(weightOf[slot], ye.data(), ye.offset(i), out.data(), out.offset(rowOf[slot]), hidden);
            }
        }
    }

    /** Routes every row of {@code logits} to its top-k experts, filling {@link #start}, rowOf and weightOf. */
    void route(Ops ops, FloatMatrix logits) {
        int n = logits.rows();
        if (rowOf.length < n * topK) {
            rowOf = new int[n * topK];
            weightOf = new float[n * topK];
            expertOf = new int[n * topK];
            weightOfChoice = new float[n * topK];
        }
        int[] count = nextSlot;
        Arrays.fill(count, 0);
        for (int t = 0; t < n; t++) {
            System.arraycopy(logits.data(), logits.offset(t), probs, 0, experts);
            ops.softmax(probs, 0, experts);
            topK(probs, chosen, chosenWeight);
            float sum = 0f;
            for (int j = 0; j < topK; j++) {
                sum += chosenWeight[j];
            }
            for (int j = 0; j < topK; j++) {
                expertOf[t * topK + j] = chosen[j];
                weightOfChoice[t * topK + j] = normTopKProb ? chosenWeight[j] / sum : chosenWeight[j];
                count[chosen[j]]++;
            }
        }
        start[0] = 0;
        for (int e = 0; e < experts; e++) {
            start[e + 1] = start[e] + count[e];
            count[e] = start[e]; // from here on: the next free slot of expert e
        }
        for (int i = 0; i < n * topK; i++) {
            int slot = count[expertOf[i]]++;
            rowOf[slot] = i / topK;
            weightOf[slot] = weightOfChoice[i];
        }
    }

    /** The indices and values of the {@code idx.length} largest {@code p}, largest first; ties to the lower index. */
    static void topK(float[] p, int[] idx, float[] value) {
        boolean[] taken = new boolean[p.length];
        for (int j = 0; j < idx.length; j++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) {
                if (!taken[e] && (best < 0 || p[e] > p[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            idx[j] = best;
            value[j] = p[best];
        }
    }
}
