package io.qwen4j.core;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.formats.ConfigJson;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The 3-D (t, h, w) position ids of a Qwen3-Omni prompt with text, audio, images and videos, and its
 * {@code rope_delta} (omni.md §6.3). Mirrors {@code Qwen3OmniMoePreTrainedModelForConditionalGeneration.get_rope_index}
 * for one unpadded sequence, including its fallback to plain positions when the prompt has no image or video.
 *
 * <p>Walking the prompt, text and audio tokens advance all three components together; the pads of an image
 * or video block keep t at the block start (plus {@code τ·second_per_grid·position_id_per_seconds} for video
 * frame τ) and take h, w from their merge-grid cell; the next block starts after the largest position so far.
 * With audio in video, the video and audio pads of one block are interleaved by their t component. After the
 * prompt, token {@code n} of the cache has position {@code n + ropeDelta} on every axis.
 */
public final class MropePositions {

    /** The token ids the planner looks for (thinker or talker config). */
    public record TokenIds(int image, int video, int audio, int visionStart, int audioStart) {}

    /**
     * The media of one prompt, each kind in prompt order: image and video grids {@code (t, h, w)} in patches,
     * seconds per temporal grid of each video, mel frame counts of each audio clip (clips inside videos
     * included, in order, when {@code audioInVideo}).
     */
    public record Media(List<int[]> imageGrids, List<int[]> videoGrids, float[] videoSecondsPerGrid, int[] audioFeatureLengths,
                        boolean audioInVideo) {
        public static Media none() {
            return new Media(List.of(), List.of(), new float[0], new int[0], false);
        }
    }

    /** Position components {@code t[i], h[i], w[i]} of every prompt token, and the decode offset. */
    public record Plan(float[] t, float[] h, float[] w, float ropeDelta) {
        public int length() {
            return t.length;
        }

        /** Position of the token at cache index {@code cacheIndex ≥ length()} (all three components). */
        public float decodePosition(int cacheIndex) {
            return cacheIndex + ropeDelta;
        }
    }

    private final TokenIds ids;
    private final int mergeSize;
    private final float positionsPerSecond;
    private final int audioWindow;

    /**
     * {@code mergeSize}: the vision {@code spatial_merge_size}; {@code positionsPerSecond}:
     * {@code position_id_per_seconds} (13); {@code audioWindow}: the audio encoder's {@code n_window} (50), which
     * fixes how many tokens a clip becomes.
     */
    public MropePositions(TokenIds ids, int mergeSize, float positionsPerSecond, int audioWindow) {
        this.ids = ids;
        this.mergeSize = mergeSize;
        this.positionsPerSecond = positionsPerSecond;
        this.audioWindow = audioWindow;
    }

    /** From a {@code thinker_config} section (its token ids, {@code vision_config} and {@code audio_config}). */
    public static MropePositions fromThinkerConfig(ConfigJson thinker) {
        ConfigJson vision = thinker.section("vision_config").orElseGet(() -> ConfigJson.empty(thinker.where() + ":vision_config"));
        ConfigJson audio = thinker.section("audio_config").orElseGet(() -> ConfigJson.empty(thinker.where() + ":audio_config"));
        TokenIds tokens = new TokenIds(thinker.requireInt("image_token_id"), thinker.requireInt("video_token_id"),
                thinker.requireInt("audio_token_id"), thinker.requireInt("vision_start_token_id"),
                thinker.requireInt("audio_start_token_id"));
        return new MropePositions(tokens, vision.intOr(2, "spatial_merge_size"),
                (float) thinker.doubleOr(25.0, "position_id_per_seconds"), audio.intOr(50, "n_window"));
    }

    /**
     * Tokens of an audio clip of {@code melFrames} frames: 13 per full chunk of {@code 2·nWindow} frames, plus
     * three stride-2 halvings of the rest (mirrors {@code _get_feat_extract_output_lengths}).
     */
    public static int audioTokens(int melFrames, int nWindow) {
        int chunk = 2 * nWindow;
        int rest = melFrames % chunk;
        int afterFirst = Math.floorDiv(rest - 1, 2) + 1;
        return Math.floorDiv(Math.floorDiv(afterFirst - 1, 2) + 1 - 1, 2) + 1 + (melFrames / chunk) * 13;
    }

    /**
     * Plans the positions of {@code prompt}; its pad tokens must be exactly as many as the media make (the check
     * of {@code get_placeholder_mask}).
     */
    public Plan plan(int[] prompt, Media media) {
        checkCount(prompt, ids.image(), media.imageGrids().stream().mapToInt(this::tokens).sum(), "<|image_pad|>", "image grids");
        checkCount(prompt, ids.video(), media.videoGrids().stream().mapToInt(this::tokens).sum(), "<|video_pad|>", "video grids");
        checkCount(prompt, ids.audio(), Arrays.stream(media.audioFeatureLengths()).map(f -> audioTokens(f, audioWindow)).sum(),
                "<|audio_pad|>", "audio feature lengths");
        if (media.imageGrids().isEmpty() && media.videoGrids().isEmpty()) {
            float[] p = new float[prompt.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = i;
            }
            return new Plan(p, p.clone(), p.clone(), 0f);
        }
        Walk walk = new Walk(prompt.length);
        List<Integer> tokens = Arrays.stream(prompt).boxed().toList();
        int audioCount = count(prompt, ids.audioStart());
        int imageCount = 0;
        int videoCount = 0;
        for (int i = 0; i + 1 < prompt.length; i++) {
            if (prompt[i] == ids.visionStart()) {
                imageCount += prompt[i + 1] == ids.image() ? 1 : 0;
                videoCount += prompt[i + 1] == (media.audioInVideo() ? ids.audioStart() : ids.video()) ? 1 : 0;
            }
        }
        boolean hasVision = tokens.contains(ids.image()) || tokens.contains(ids.video());
        boolean hasAudio = tokens.contains(ids.audio());
        int remainImages = imageCount;
        int remainVideos = videoCount;
        int remainAudios = audioCount;
        int imageIdx = 0;
        int videoIdx = 0;
        int audioIdx = 0;
        int st = 0;
        int blocks = media.audioInVideo() ? imageCount + audioCount : imageCount + videoCount + audioCount;
        for (int b = 0; b < blocks; b++) {
            float stIdx = walk.next();
            int edVision = hasVision && (remainVideos > 0 || remainImages > 0) ? indexOf(prompt, ids.visionStart(), st) : prompt.length + 1;
            int edAudio = hasAudio && remainAudios > 0 ? indexOf(prompt, ids.audioStart(), st) : prompt.length + 1;
            int minEd = Math.min(edVision, edAudio);
            if (minEd == edVision && edVision + 1 >= prompt.length) {
                throw new InvalidInputException("the prompt ends with <|vision_start|>");
            }
            int textLen = minEd - st;
            walk.sequential(textLen, stIdx);
            stIdx += textLen;
            boolean audioInVideoBlock = minEd == edVision && edVision + 1 == edAudio;
            int bosLen = audioInVideoBlock ? 2 : 1;
            int eosLen = bosLen;
            walk.sequential(bosLen, stIdx);
            stIdx += bosLen;
            if (minEd == edAudio) {
                int audioLen = audioTokens(at(media.audioFeatureLengths(), audioIdx, "audio clip"), audioWindow);
                walk.sequential(audioLen, stIdx);
                st += textLen + bosLen + audioLen + eosLen;
                audioIdx++;
                remainAudios--;
            } else if (prompt[edVision + 1] == ids.image()) {
                int[] grid = grid(media.imageGrids(), imageIdx, "image");
                walk.vision(grid, stIdx, 1f, positionsPerSecond);
                st += textLen + bosLen + tokens(grid) + eosLen;
                imageIdx++;
                remainImages--;
            } else if (prompt[edVision + 1] == ids.video()) {
                int[] grid = grid(media.videoGrids(), videoIdx, "video");
                walk.vision(grid, stIdx, secondsPerGrid(media, videoIdx), positionsPerSecond);
                st += textLen + bosLen + tokens(grid) + eosLen;
                videoIdx++;
                remainVideos--;
            } else if (audioInVideoBlock) {
                int audioLen = audioTokens(at(media.audioFeatureLengths(), audioIdx, "audio clip"), audioWindow);
                int[] grid = grid(media.videoGrids(), videoIdx, "video");
                walk.audioInVideo(grid, stIdx, secondsPerGrid(media, videoIdx), positionsPerSecond, audioLen);
                st += textLen + bosLen + audioLen + tokens(grid) + eosLen;
                audioIdx++;
                videoIdx++;
                remainVideos--;
                remainAudios--;
            } else {
                throw new InvalidInputException("<|vision_start|> at " + edVision + " is followed by token " + prompt[edVision + 1]
                        + ", not an image, video or audio placeholder");
            }
            walk.sequential(eosLen, walk.next());
        }
        if (st < prompt.length) {
            walk.sequential(prompt.length - st, walk.next());
        }
        if (walk.size != prompt.length) {
            throw new InvalidInputException("the prompt's media placeholders do not match its media: " + walk.size
                    + " positions planned for " + prompt.length + " tokens");
        }
        return new Plan(walk.t, walk.h, walk.w, walk.max + 1 - prompt.length);
    }

    /**
     * The positions being built as HF's {@code llm_pos_ids_list}: a list of pieces, where the next block starts
     * one after the largest position of the LAST piece ({@code llm_pos_ids_list[-1].max() + 1}), not of all.
     */
    private final class Walk {
        final float[] t;
        final float[] h;
        final float[] w;
        int size;
        float max = Float.NEGATIVE_INFINITY;       // over everything (for rope_delta)
        float pieceMax = Float.NEGATIVE_INFINITY;  // over the last piece

        Walk(int capacity) {
            t = new float[capacity];
            h = new float[capacity];
            w = new float[capacity];
        }

        /** {@code llm_pos_ids_list[-1].max() + 1}, or 0 for an empty list. */
        float next() {
            return size == 0 ? 0f : pieceMax + 1;
        }

        private void piece() {
            pieceMax = Float.NEGATIVE_INFINITY;
        }

        private void add(float pt, float ph, float pw) {
            if (size == t.length) {
                throw new InvalidInputException("the prompt's media placeholders do not match its media: more positions than its "
                        + t.length + " tokens");
            }
            t[size] = pt;
            h[size] = ph;
            w[size] = pw;
            size++;
            float m = Math.max(pt, Math.max(ph, pw));
            max = Math.max(max, m);
            pieceMax = Math.max(pieceMax, m);
        }

        /** {@code n} tokens at start, start+1, … on every axis, as one piece (none when n is 0). */
        void sequential(int n, float start) {
            if (n > 0) {
                piece();
                for (int i = 0; i < n; i++) {
                    float p = i + start;
                    add(p, p, p);
                }
            }
        }

        /**
         * Mirrors {@code get_llm_pos_ids_for_vision}: the pad of frame τ, merge cell (i, j) at
         * (start + τ·secondsPerGrid·perSecond, start + i, start + j), as one piece.
         */
        void vision(int[] grid, float start, float secondsPerGrid, float perSecond) {
            piece();
            int gh = grid[1] / mergeSize;
            int gw = grid[2] / mergeSize;
            for (int tau = 0; tau < grid[0]; tau++) {
                for (int i = 0; i < gh; i++) {
                    for (int j = 0; j < gw; j++) {
                        add((float) tau * secondsPerGrid * perSecond + start, i + start, j + start);
                    }
                }
            }
        }

        /**
         * Video pads (as {@link #vision}) and audio pads (start + k on every axis) merged by their t component,
         * video first on ties; each merged token is a piece of its own, the leftovers of the longer list one more.
         */
        void audioInVideo(int[] grid, float start, float secondsPerGrid, float perSecond, int audioLen) {
            int gh = grid[1] / mergeSize;
            int gw = grid[2] / mergeSize;
            int cells = gh * gw;
            int videoLen = grid[0] * cells;
            int v = 0;
            int a = 0;
            for (; v < videoLen && a < audioLen; ) {
                piece();
                float videoT = (float) (v / cells) * secondsPerGrid * perSecond + start;
                float audioT = a + start;
                if (videoT <= audioT) {
                    add(videoT, (v % cells) / gw + start, (v % cells) % gw + start);
                    v++;
                } else {
                    add(audioT, audioT, audioT);
                    a++;
                }
            }
            if (v < videoLen) {
                piece();
                for (; v < videoLen; v++) {
                    add((float) (v / cells) * secondsPerGrid * perSecond + start, (v % cells) / gw + start, (v % cells) % gw + start);
                }
            }
            if (a < audioLen) {
                piece();
                for (; a < audioLen; a++) {
                    add(a + start, a + start, a + start);
                }
            }
        }
    }

    private int tokens(int[] grid) {
        return grid[0] * grid[1] * grid[2] / (mergeSize * mergeSize);
    }

    private static float secondsPerGrid(Media media, int video) {
        if (video >= media.videoSecondsPerGrid().length) {
            throw new InvalidInputException("the prompt has more videos than seconds-per-grid values (" + media.videoSecondsPerGrid().length + ")");
        }
        return media.videoSecondsPerGrid()[video];
    }

    private static int[] grid(List<int[]> grids, int index, String what) {
        if (index >= grids.size()) {
            throw new InvalidInputException("the prompt has more " + what + " blocks than " + what + " grids (" + grids.size() + ")");
        }
        int[] g = grids.get(index);
        if (g.length != 3) {
            throw new InvalidInputException("a " + what + " grid needs (t, h, w), got " + Arrays.toString(g));
        }
        return g;
    }

    private static int at(int[] values, int index, String what) {
        if (index >= values.length) {
            throw new InvalidInputException("the prompt has more " + what + "s than feature lengths (" + values.length + ")");
        }
        return values[index];
    }

    private static void checkCount(int[] prompt, int id, int expected, String token, String what) {
        int n = count(prompt, id);
        if (n != expected) {
            throw new InvalidInputException("the prompt has " + n + " " + token + " tokens but its " + what + " make " + expected);
        }
    }

    private static int count(int[] prompt, int id) {
        return (int) Arrays.stream(prompt).filter(x -> x == id).count();
    }

    private static int indexOf(int[] prompt, int id, int from) {
        for (int i = from; i < prompt.length; i++) {
            if (prompt[i] == id) {
                return i;
            }
        }
        throw new InvalidInputException("the prompt lacks a start token " + id + " for one of its media items");
    }
}
