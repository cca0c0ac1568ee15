package io.qwen4j.models;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Bilinear;
import io.qwen4j.core.Linear;
import io.qwen4j.core.Rope;
import io.qwen4j.core.SegmentAttention;
import io.qwen4j.core.Taps;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Qwen3-Omni vision encoder ({@code thinker.visual}, {@code model_type: qwen3_omni_moe_vision_encoder}):
 * patch vectors of images and video frames in, one embedding of the thinker's width per {@code <|image_pad|>} /
 * {@code <|video_pad|>} token out, plus the deepstack features the thinker adds after its first layers.
 * Mirrors transformers' {@code Qwen3OmniMoeVisionEncoder.forward}; spec: omni.md §4.2.
 *
 * <p>Input rows are patch vectors {@code (c, t, y, x)} of {@code in_channels·temporal_patch_size·patch²} values
 * (the processor's {@code pixel_values}), listed per image (or video) as frame, merge-block row, merge-block
 * column, row and column within the block. The patch embedding is a Conv3d whose kernel equals its stride,
 * i.e. a matmul; the learned square position table is resampled bilinearly (aligned corners) to every grid;
 * the blocks use a 2-D rotary embedding (row angles then column angles) and attend within one frame of one
 * image (full attention per frame, no windows); mergers turn every 2×2 block of patches into one token.
 *
 * <p>Taps: {@code pos_embd} (the resampled table), {@code inp_embd} (patch embedding + positions),
 * {@code blk.N.l_out}, {@code deepstack.J} (merger J's output), {@code result_norm} (ln_q of the final merger,
 * per patch).
 */
public final class Qwen3OmniVisionEncoder {
    /** nn.LayerNorm(eps=1e-6) in every block and merger (Qwen3OmniMoeVisionBlock / VisionPatchMerger). */
    private static final float LN_EPS = 1e-6f;

    /** Hyperparameters ({@code vision_config}, omni.md §1.1). */
    public record Config(
            int depth,               // blocks
            int hidden,              // hidden_size (1152)
            int heads,               // num_heads (head size hidden/heads)
            int intermediate,        // intermediate_size of the block MLPs
            boolean tanhGelu,        // hidden_act "gelu_pytorch_tanh" (else exact "gelu")
            int inChannels,          // 3
            int patchSize,           // 16
            int temporalPatchSize,   // 2
            int mergeSize,           // spatial_merge_size (2): 2x2 patches per token
            int outHidden,           // out_hidden_size: the thinker's hidden size
            int tableSide,           // sqrt(num_position_embeddings): 48
            int[] deepstackIndexes,  // blocks whose outputs feed merger_list (8, 16, 24)
            double ropeTheta) {      // rope_parameters.rope_theta of the 2-D rotary (10000)

        public static Config from(ConfigJson c) {
            String act = c.string("hidden_act").orElse("gelu_pytorch_tanh");
            if (!act.equals("gelu") && !act.equals("gelu_pytorch_tanh")) {
                throw new ModelFileException(c.where() + ": hidden_act '" + act + "' is not supported (gelu, gelu_pytorch_tanh)");
            }
            int positions = c.intOr(2304, "num_position_embeddings");
            int side = (int) Math.round(Math.sqrt(positions));
            if (side * side != positions) {
                throw new ModelFileException(c.where() + ": num_position_embeddings " + positions + " is not a square grid");
            }
            double theta = c.section("rope_parameters").flatMap(r -> r.optionalDouble("rope_theta")).orElse(10000.0);
            int[] deepstack = c.has("deepstack_visual_indexes") ? c.intList("deepstack_visual_indexes") : new int[] {8, 16, 24};
            Config cfg = new Config(c.requireInt("depth"), c.requireInt("hidden_size"), c.requireInt("num_heads", "num_attention_heads"),
                    c.requireInt("intermediate_size"), act.equals("gelu_pytorch_tanh"), c.intOr(3, "in_channels"),
                    c.intOr(16, "patch_size"), c.intOr(2, "temporal_patch_size"), c.intOr(2, "spatial_merge_size"),
                    c.requireInt("out_hidden_size"), side, deepstack, theta);
            if (cfg.hidden % cfg.heads != 0 || (cfg.hidden / cfg.heads) % 4 != 0) {
                throw new ModelFileException(c.where() + ": hidden_size " + cfg.hidden + " over " + cfg.heads
                        + " heads does not give a head size divisible by 4 (the 2-D rotary needs it)");
            }
            for (int i : deepstack) {
                if (i < 0 || i >= cfg.depth) {
                    throw new ModelFileException(c.where() + ": deepstack_visual_indexes " + Arrays.toString(deepstack)
                            + " name a block outside 0.." + (cfg.depth - 1));
                }
            }
            return cfg;
        }

        /** Values per patch vector: {@code in_channels·temporal_patch_size·patch_size²} (1536). */
        public int patchDim() {
            return inChannels * temporalPatchSize * patchSize * patchSize;
        }

        int headDim() {
            return hidden / heads;
        }
    }

    /** One ViT block; Linear weights {@code [out, in]} with biases. */
    record Block(
            float[] norm1W, float[] norm1B,  // (H)
            Weight qkv, float[] qkvB,        // (3H, H): rows all q, then all k, then all v
            Weight proj, float[] projB,      // (H, H)
            float[] norm2W, float[] norm2B,  // (H)
            Weight fc1, float[] fc1B,        // (I, H)
            Weight fc2, float[] fc2B) {}     // (H, I)

    /**
     * A patch merger: LayerNorm per patch ({@code merger}, width H) or per group of merge² patches
     * ({@code merger_list}, "postshuffle", width merge²·H), then Linear → GELU → Linear.
     */
    record Merger(boolean postShuffleNorm, float[] normW, float[] normB, Weight fc1, float[] fc1B, Weight fc2, float[] fc2B) {}

    /** What one call returns: {@code merged} and every {@code deepstack} entry have one row per token. */
    public record Output(FloatMatrix lastHiddenState, FloatMatrix merged, List<FloatMatrix> deepstack) {}

    private final Config cfg;
    private final Ops ops;
    private final Weight patchEmbed;   // (H, patchDim): the Conv3d kernel as a matrix
    private final float[] patchBias;   // (H)
    private final Weight posTable;     // (side², H)
    private final Block[] blocks;
    private final Merger merger;
    private final Merger[] deepstackMergers;
    private final float[] rotaryInvFreq; // (headDim/4)

    private Qwen3OmniVisionEncoder(Config cfg, Ops ops, Weight patchEmbed, float[] patchBias, Weight posTable, Block[] blocks,
                                   Merger merger, Merger[] deepstackMergers) {
        this.cfg = cfg;
        this.ops = ops;
        this.patchEmbed = patchEmbed;
        this.patchBias = patchBias;
        this.posTable = posTable;
        this.blocks = blocks;
        this.merger = merger;
        this.deepstackMergers = deepstackMergers;
        // mirrors Qwen3OmniMoeVisionRotaryEmbedding.compute_axial_rope_parameters: the frequencies of a
        // head_dim/2 rotary, used once for the row and once for the column
        this.rotaryInvFreq = Rope.inverseFrequencies(cfg.headDim() / 2, cfg.ropeTheta());
    }

    /**
     * Declares every tensor under {@code prefix} (e.g. {@code "thinker.visual."}) with its expected shape. The
     * encoder runs on {@code ops}; the caller owns both.
     */
    public static Qwen3OmniVisionEncoder load(WeightSource w, ConfigJson visionConfig, String prefix, Ops ops) {
        Config c = Config.from(visionConfig);
        int h = c.hidden();
        Weight patchEmbed = Linear.asMatrix(w.require(prefix + "patch_embed.proj.weight", h, c.inChannels(), c.temporalPatchSize(),
                c.patchSize(), c.patchSize()), h, c.patchDim());
        float[] patchBias = vector(w, prefix + "patch_embed.proj.bias", h);
        Weight posTable = w.require(prefix + "pos_embed.weight", (long) c.tableSide() * c.tableSide(), h);
        Block[] blocks = new Block[c.depth()];
        for (int i = 0; i < blocks.length; i++) {
            String p = prefix + "blocks." + i + ".";
            blocks[i] = new Block(
                    vector(w, p + "norm1.weight", h), vector(w, p + "norm1.bias", h),
                    w.require(p + "attn.qkv.weight", 3L * h, h), vector(w, p + "attn.qkv.bias", 3 * h),
                    w.require(p + "attn.proj.weight", h, h), vector(w, p + "attn.proj.bias", h),
                    vector(w, p + "norm2.weight", h), vector(w, p + "norm2.bias", h),
                    w.require(p + "mlp.linear_fc1.weight", c.intermediate(), h), vector(w, p + "mlp.linear_fc1.bias", c.intermediate()),
                    w.require(p + "mlp.linear_fc2.weight", h, c.intermediate()), vector(w, p + "mlp.linear_fc2.bias", h));
        }
        Merger merger = merger(w, prefix + "merger.", c, false);
        Merger[] deepstack = new Merger[c.deepstackIndexes().length];
        for (int j = 0; j < deepstack.length; j++) {
            deepstack[j] = merger(w, prefix + "merger_list." + j + ".", c, true);
        }
        return new Qwen3OmniVisionEncoder(c, ops, patchEmbed, patchBias, posTable, blocks, merger, deepstack);
    }

    private static Merger merger(WeightSource w, String p, Config c, boolean postShuffleNorm) {
        int group = c.hidden() * c.mergeSize() * c.mergeSize();
        int norm = postShuffleNorm ? group : c.hidden();
        return new Merger(postShuffleNorm,
                vector(w, p + "ln_q.weight", norm), vector(w, p + "ln_q.bias", norm),
                w.require(p + "mlp.0.weight", group, group), vector(w, p + "mlp.0.bias", group),
                w.require(p + "mlp.2.weight", c.outHidden(), group), vector(w, p + "mlp.2.bias", c.outHidden()));
    }

    private static float[] vector(WeightSource w, String name, int n) {
        return w.require(name, n).toFloatArray();
    }

    public Config config() {
        return cfg;
    }

    /** The matmul weights (patch embedding, position table, blocks, mergers), for parameter counts. */
    public List<Weight> matrices() {
        List<Weight> all = new ArrayList<>(List.of(patchEmbed, posTable));
        for (Block b : blocks) {
            all.addAll(List.of(b.qkv(), b.proj(), b.fc1(), b.fc2()));
        }
        all.addAll(List.of(merger.fc1(), merger.fc2()));
        for (Merger m : deepstackMergers) {
            all.addAll(List.of(m.fc1(), m.fc2()));
        }
        return all;
    }

    /** Tokens (rows of {@link Output#merged}) of an image or video of grid {@code (t, h, w)} patches. */
    public int tokens(int[] grid) {
        return grid[0] * grid[1] * grid[2] / (cfg.mergeSize() * cfg.mergeSize());
    }

    /** {@code pixelValues} is {@code [patches, patchDim]} for the grids {@code (t, h, w)} of each image or video, in order. */
    public Output encode(FloatMatrix pixelValues, List<int[]> grids) {
        return encode(pixelValues, grids, Taps.NONE);
    }

    /** As {@link #encode(FloatMatrix, List)}, reporting taps. Mirrors {@code Qwen3OmniMoeVisionEncoder.forward}. */
    public Output encode(FloatMatrix pixelValues, List<int[]> grids, Taps taps) {
        int n = checkInput(pixelValues, grids);
        int h = cfg.hidden();
        int headDim = cfg.headDim();

        FloatMatrix x = new FloatMatrix(n, h);
        Linear.forward(ops, patchEmbed, patchBias, pixelValues, x);
        FloatMatrix pos = positionEmbeddings(grids, n);
        taps.record("pos_embd", pos);
        ops.add(x, pos);
        taps.record("inp_embd", x);

        FloatMatrix cos = new FloatMatrix(n, headDim / 2);
        FloatMatrix sin = new FloatMatrix(n, headDim / 2);
        rotaryTables(grids, cos, sin);
        int[] frames = frameBounds(grids);

        FloatMatrix xn = new FloatMatrix(n, h);
        FloatMatrix qkv = new FloatMatrix(n, 3 * h);
        FloatMatrix q = new FloatMatrix(n, h);
        FloatMatrix k = new FloatMatrix(n, h);
        FloatMatrix v = new FloatMatrix(n, h);
        FloatMatrix att = new FloatMatrix(n, h);
        FloatMatrix proj = new FloatMatrix(n, h);
        FloatMatrix mlp = new FloatMatrix(n, cfg.intermediate());
        List<FloatMatrix> deepstack = new ArrayList<>();
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            // mirrors Qwen3OmniMoeVisionBlock.forward and Qwen3OmniMoeVisionAttention.forward
            ops.layerNorm(x, b.norm1W(), b.norm1B(), LN_EPS, xn);
            Linear.forward(ops, b.qkv(), b.qkvB(), xn, qkv);
            for (int r = 0; r < n; r++) {
                System.arraycopy(qkv.data(), qkv.offset(r), q.data(), q.offset(r), h);
                System.arraycopy(qkv.data(), qkv.offset(r) + h, k.data(), k.offset(r), h);
                System.arraycopy(qkv.data(), qkv.offset(r) + 2 * h, v.data(), v.offset(r), h);
            }
            ops.rope(q, headDim, cos, sin);
            ops.rope(k, headDim, cos, sin);
            SegmentAttention.attend(ops, q, k, v, cfg.heads(), headDim, frames, att);
            Linear.forward(ops, b.proj(), b.projB(), att, proj);
            ops.add(x, proj);
            ops.layerNorm(x, b.norm2W(), b.norm2B(), LN_EPS, xn);
            Linear.forward(ops, b.fc1(), b.fc1B(), xn, mlp);
            if (cfg.tanhGelu()) {
                ops.geluTanh(mlp, mlp);
            } else {
                ops.gelu(mlp, mlp);
            }
            Linear.forward(ops, b.fc2(), b.fc2B(), mlp, proj);
            ops.add(x, proj);
            taps.record("l_out", l, x);
            for (int j = 0; j < cfg.deepstackIndexes().length; j++) {
                if (cfg.deepstackIndexes()[j] == l) {
                    FloatMatrix feature = merge(deepstackMergers[j], x, Taps.NONE);
                    taps.record("deepstack." + j, feature);
                    deepstack.add(feature);
                }
            }
        }
        FloatMatrix merged = merge(merger, x, taps);
        return new Output(x, merged, List.copyOf(deepstack));
    }

    /** Mirrors {@code Qwen3OmniMoeVisionPatchMerger.forward}: [n, H] → [n/merge², out_hidden]. */
    private FloatMatrix merge(Merger m, FloatMatrix x, Taps taps) {
        int unit = cfg.mergeSize() * cfg.mergeSize();
        int groups = x.rows() / unit;
        int width = x.cols() * unit;
        FloatMatrix grouped;
        if (m.postShuffleNorm()) {
            grouped = new FloatMatrix(groups, width);
            ops.layerNorm(x.view(groups, width), m.normW(), m.normB(), LN_EPS, grouped);
        } else {
            FloatMatrix normed = new FloatMatrix(x.rows(), x.cols());
            ops.layerNorm(x, m.normW(), m.normB(), LN_EPS, normed);
            taps.record("result_norm", normed);
            grouped = normed.view(groups, width);
        }
        FloatMatrix hidden = new FloatMatrix(groups, width);
        Linear.forward(ops, m.fc1(), m.fc1B(), grouped, hidden);
        ops.gelu(hidden, hidden); // nn.GELU(): exact
        FloatMatrix out = new FloatMatrix(groups, cfg.outHidden());
        Linear.forward(ops, m.fc2(), m.fc2B(), hidden, out);
        return out;
    }

    /**
     * The learned {@code side×side} table resampled to each grid (bilinear, aligned corners) and listed in patch
     * order, the same for every frame. Mirrors {@code get_vision_interpolation_indices_and_weights} and the
     * weighted sum of {@code pos_embed} rows in {@code Qwen3OmniMoeVisionEncoder.forward}.
     */
    private FloatMatrix positionEmbeddings(List<int[]> grids, int n) {
        int h = cfg.hidden();
        int side = cfg.tableSide();
        int m = cfg.mergeSize();
        FloatMatrix pos = new FloatMatrix(n, h);
        float[][] taps = new float[4][h];
        int row = 0;
        for (int[] g : grids) {
            Bilinear rows = Bilinear.alignCorners(g[1], side);
            Bilinear cols = Bilinear.alignCorners(g[2], side);
            int frameStart = row;
            for (int br = 0; br < g[1] / m; br++) {
                for (int bc = 0; bc < g[2] / m; bc++) {
                    for (int ir = 0; ir < m; ir++) {
                        for (int ic = 0; ic < m; ic++) {
                            int r = br * m + ir;
                            int c = bc * m + ic;
                            // taps in HF's order: (r0,c0), (r0,c1), (r1,c0), (r1,c1)
                            int[] index = {rows.lo()[r] * side + cols.lo()[c], rows.lo()[r] * side + cols.hi()[c],
                                    rows.hi()[r] * side + cols.lo()[c], rows.hi()[r] * side + cols.hi()[c]};
                            float[] weight = {rows.loWeight()[r] * cols.loWeight()[c], rows.loWeight()[r] * cols.hiWeight()[c],
                                    rows.hiWeight()[r] * cols.loWeight()[c], rows.hiWeight()[r] * cols.hiWeight()[c]};
                            for (int t = 0; t < 4; t++) {
                                posTable.dequantizeRow(index[t], taps[t], 0);
                            }
                            int off = pos.offset(row++);
                            for (int i = 0; i < h; i++) {
                                pos.data()[off + i] = taps[0][i] * weight[0] + taps[1][i] * weight[1] + taps[2][i] * weight[2]
                                        + taps[3][i] * weight[3];
                            }
                        }
                    }
                }
            }
            int frame = row - frameStart;
            for (int t = 1; t < g[0]; t++) {
                System.arraycopy(pos.data(), pos.offset(frameStart), pos.data(), pos.offset(row), frame * h);
                row += frame;
            }
        }
        return pos;
    }

    /**
     * Rotary tables {@code [n, headDim/2]}: for the patch at (row r, column c) of its grid, angles
     * {@code [r·inv, c·inv]} (mirrors {@code get_vision_position_ids} and
     * {@code Qwen3OmniMoeVisionRotaryEmbedding.forward}: cos/sin are {@code [θ, θ]}, the rotate-half layout).
     */
    private void rotaryTables(List<int[]> grids, FloatMatrix cos, FloatMatrix sin) {
        int m = cfg.mergeSize();
        int quarter = rotaryInvFreq.length;
        int row = 0;
        for (int[] g : grids) {
            for (int t = 0; t < g[0]; t++) {
                for (int br = 0; br < g[1] / m; br++) {
                    for (int bc = 0; bc < g[2] / m; bc++) {
                        for (int ir = 0; ir < m; ir++) {
                            for (int ic = 0; ic < m; ic++) {
                                float r = br * m + ir;
                                float c = bc * m + ic;
                                for (int i = 0; i < quarter; i++) {
                                    float ar = r * rotaryInvFreq[i];
                                    float ac = c * rotaryInvFreq[i];
                                    cos.set(row, i, (float) Math.cos(ar));
                                    sin.set(row, i, (float) Math.sin(ar));
                                    cos.set(row, quarter + i, (float) Math.cos(ac));
                                    sin.set(row, quarter + i, (float) Math.sin(ac));
                                }
                                row++;
                            }
                        }
                    }
                }
            }
        }
    }

    /** Attention segments: every frame (temporal patch) of every image or video (mirrors {@code get_vision_cu_seqlens}). */
    private static int[] frameBounds(List<int[]> grids) {
        int frames = grids.stream().mapToInt(g -> g[0]).sum();
        int[] bounds = new int[frames + 1];
        int i = 0;
        for (int[] g : grids) {
            for (int t = 0; t < g[0]; t++) {
                bounds[i + 1] = bounds[i] + g[1] * g[2];
                i++;
            }
        }
        return bounds;
    }

    private int checkInput(FloatMatrix pixelValues, List<int[]> grids) {
        if (grids.isEmpty()) {
            throw new InvalidInputException("no image or video grid given to the vision encoder");
        }
        long patches = 0;
        for (int[] g : grids) {
            if (g.length != 3 || g[0] < 1 || g[1] < 1 || g[2] < 1 || g[1] % cfg.mergeSize() != 0 || g[2] % cfg.mergeSize() != 0) {
                throw new InvalidInputException("grid " + Arrays.toString(g) + " is not (t, h, w) with h and w multiples of "
                        + cfg.mergeSize());
            }
            patches += (long) g[0] * g[1] * g[2];
        }
        if (pixelValues.rows() != patches || pixelValues.cols() != cfg.patchDim()) {
            throw new InvalidInputException("pixel values " + pixelValues.rows() + "x" + pixelValues.cols() + " do not match the grids "
                    + grids.stream().map(Arrays::toString).toList() + ": " + patches + " patches of " + cfg.patchDim() + " values expected");
        }
        return (int) patches;
    }
}
