package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.media.AudioInVideo;
import io.qwen4j.media.ImagePatches;
import io.qwen4j.media.Placeholders;
import io.qwen4j.media.VideoPatches;
import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ChatTemplate;
import io.qwen4j.tokenizer.chat.ContentPart;
import io.qwen4j.tokenizer.chat.RenderOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A conversation whose messages hold media parts, turned into the thinker's prompt as
 * {@code Qwen3OmniMoeProcessor.__call__} makes it (tokenizer.md §6): the chat template renders one placeholder per
 * part ({@code <|vision_start|><|image_pad|><|vision_end|>}, {@code <|audio_start|><|audio_pad|><|audio_end|>},
 * {@code <|vision_start|><|video_pad|><|vision_end|>}); the media are decoded and processed ({@link OmniMedia});
 * each placeholder is expanded to as many pads as its item makes, left to right, a video with
 * {@code use_audio_in_video} becoming {@code <|vision_start|><|audio_start|>} + its video and soundtrack pads
 * interleaved + {@code <|audio_end|><|vision_end|>} (mirrors {@code replace_multimodal_special_tokens}); then the
 * text is tokenised. Media parts name their item by path, {@code file:} URL or {@code data:} URL (base64), under the
 * keys HF's processors and OpenAI use: {@code image}, {@code image_url} (a string or {@code {"url": ...}}),
 * {@code audio}, {@code audio_url}, {@code input_audio} ({@code {"data": base64, "format": "wav"}}), {@code video},
 * {@code video_url}; a video may also be a folder of frames, shown at the part's {@code fps} (2 by default). Remote
 * (http, https) URLs are refused.
 */
public final class OmniPrompt {
    /** The Qwen3-Omni token strings (tokenizer.md §6). */
    static final String AUDIO_PAD = "<|audio_pad|>", IMAGE_PAD = "<|image_pad|>", VIDEO_PAD = "<|video_pad|>",
            VISION_START = "<|vision_start|>", VISION_END = "<|vision_end|>", AUDIO_START = "<|audio_start|>", AUDIO_END = "<|audio_end|>";
    private static final Pattern PLACEHOLDER = Pattern.compile(Pattern.quote(AUDIO_PAD) + "|" + Pattern.quote(IMAGE_PAD) + "|"
            + Pattern.quote(VIDEO_PAD));

    /** What a media part is. */
    public enum Kind { IMAGE, AUDIO, VIDEO }

    /** The prompt: the rendered text (placeholders unexpanded), the expanded ids, and the processor's tensors. */
    public record Prompt(String text, int[] ids, MediaInputs media) {}

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final OmniMedia processor;

    public OmniPrompt(Tokenizer tokenizer, ChatTemplate template, OmniMedia processor) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.processor = processor;
    }

    /** qwen4j's built-in Qwen3-Omni template (resource {@code qwen3-omni-fallback.jinja}, tokenizer.md §6). */
    public static ChatTemplate fallbackTemplate() {
        try (InputStream in = OmniPrompt.class.getResourceAsStream("qwen3-omni-fallback.jinja")) {
            if (in == null) {
                throw new ModelFileException("qwen4j's built-in Qwen3-Omni chat template is missing from the jar");
            }
            return ChatTemplate.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The template a Qwen3-Omni checkpoint is chatted with: its own when it writes media placeholders (the
     * processor's {@code chat_template.json} of the published checkpoints), else the built-in one; a text-only
     * template (the tokenizer's Qwen3 one) cannot place media.
     */
    public static ChatTemplate templateFor(ChatTemplate checkpoint) {
        String text = String.join("\n", checkpoint.names().stream().map(n -> checkpoint.text(n).orElse("")).toList()) + checkpoint.text();
        return text.contains(AUDIO_PAD) && text.contains(IMAGE_PAD) ? checkpoint : fallbackTemplate().withSpecialTokens(checkpoint.specialTokens());
    }

    /** True when some message holds an image, audio or video part. */
    public static boolean hasMedia(List<ChatMessage> messages) {
        return messages.stream().anyMatch(m -> m.parts().map(ps -> ps.stream().anyMatch(p -> kind(p) != null)).orElse(false));
    }

    /** The kind of a media part (HF's and OpenAI's spellings), or null for text and other parts. */
    static Kind kind(ContentPart p) {
        String t = p.type();
        Map<String, Object> f = p.fields();
        if (t.equals("image") || t.equals("image_url") || f.containsKey("image") || f.containsKey("image_url")) {
            return Kind.IMAGE;
        }
        if (t.equals("audio") || t.equals("audio_url") || t.equals("input_audio") || f.containsKey("audio") || f.containsKey("audio_url")
                || f.containsKey("input_audio")) {
            return Kind.AUDIO;
        }
        if (t.equals("video") || t.equals("video_url") || f.containsKey("video") || f.containsKey("video_url")) {
            return Kind.VIDEO;
        }
        return null;
    }

    /**
     * Renders, processes and expands. The media parts are read in message order; temporary files made of
     * {@code data:} URLs are deleted before this returns.
     */
    public Prompt build(List<ChatMessage> messages, RenderOptions options, boolean useAudioInVideo) {
        List<ChatMessage> canonical = new ArrayList<>();
        List<OmniMedia.Source> images = new ArrayList<>();
        List<OmniMedia.Source> audios = new ArrayList<>();
        List<OmniMedia.Source> videos = new ArrayList<>();
        List<Path> temporary = new ArrayList<>();
        try {
            for (ChatMessage m : messages) {
                canonical.add(canonicalize(m, images, audios, videos, temporary));
            }
            String text = template.render(canonical, options);
            return expand(text, images, audios, videos, useAudioInVideo);
        } finally {
            for (Path p : temporary) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }

    /** The message with its media parts in HF's form ({@code {"type": "image", "image": ref}}), their sources collected. */
    private static ChatMessage canonicalize(ChatMessage m, List<OmniMedia.Source> images, List<OmniMedia.Source> audios,
                                            List<OmniMedia.Source> videos, List<Path> temporary) {
        if (m.parts().isEmpty()) {
            return m;
        }
        List<ContentPart> parts = new ArrayList<>();
        for (ContentPart p : m.parts().get()) {
            Kind k = kind(p);
            if (k == null) {
                parts.add(p);
                continue;
            }
            String ref = reference(p, k);
            OmniMedia.Source source = source(ref, k, temporary);
            if (k == Kind.VIDEO && source instanceof OmniMedia.FileSource f && Files.isDirectory(f.path())) {
                // a folder of frames, shown at the part's "fps" (2 when not given)
                double fps = p.fields().get("fps") instanceof Number n ? n.doubleValue() : 2.0;
                source = new OmniMedia.FramesSource(f.path(), fps);
            }
            switch (k) {
                case IMAGE -> images.add(source);
                case AUDIO -> audios.add(source);
                case VIDEO -> videos.add(source);
            }
            String key = k.name().toLowerCase(Locale.ROOT);
            parts.add(new ContentPart(key, Map.of(key, ref)));
        }
        ChatMessage.Builder b = ChatMessage.builder(m.role()).content(parts);
        m.fields().forEach((name, value) -> {
            if (!name.equals("role") && !name.equals("content")) {
                b.field(name, value);
            }
        });
        return b.build();
    }

    /** Where a part's item is: a path or URL string. */
    private static String reference(ContentPart p, Kind k) {
        Map<String, Object> f = p.fields();
        Object v = switch (k) {
            case IMAGE -> f.containsKey("image") ? f.get("image") : f.get("image_url");
            case AUDIO -> f.containsKey("audio") ? f.get("audio") : f.containsKey("audio_url") ? f.get("audio_url") : f.get("input_audio");
            case VIDEO -> f.containsKey("video") ? f.get("video") : f.get("video_url");
        };
        if (v instanceof Map<?, ?> map && map.get("url") instanceof String url) {
            return url;
        }
        if (v instanceof Map<?, ?> map && map.get("data") instanceof String data) { // OpenAI's input_audio
            String format = map.get("format") instanceof String s ? s : "wav";
            return "data:audio/" + format + ";base64," + data;
        }
        if (v instanceof String s && !s.isEmpty()) {
            return s;
        }
        throw new InvalidInputException("a " + p.type() + " part names no " + k.name().toLowerCase(Locale.ROOT)
                + " (give a path, a file: URL or a data: URL)");
    }

    private static final Pattern DATA_URL = Pattern.compile("data:([\\w.+-]+/([\\w.+-]+))?(;[^,]*)?,(.*)", Pattern.DOTALL);

    /** A path, {@code file:} URL or {@code data:} URL (written to a temporary file) as a source. */
    static OmniMedia.Source source(String ref, Kind kind, List<Path> temporary) {
        String lower = ref.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            throw new InvalidInputException("remote media (" + abbreviate(ref) + ") are not fetched; give a local file or a data: URL");
        }
        if (lower.startsWith("data:")) {
            Matcher m = DATA_URL.matcher(ref);
            if (!m.matches() || m.group(3) == null || !m.group(3).contains("base64")) {
                throw new InvalidInputException("a data: URL of " + kind.name().toLowerCase(Locale.ROOT) + " must be base64 (data:TYPE;base64,...)");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(m.group(4).replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("a data: URL of " + kind.name().toLowerCase(Locale.ROOT) + " is not valid base64");
            }
            String ext = m.group(2) == null ? "bin" : m.group(2).replaceAll("[^\\w]", "");
            try {
                Path f = Files.createTempFile("qwen4j-" + kind.name().toLowerCase(Locale.ROOT) + "-", "." + ext);
                temporary.add(f);
                Files.write(f, bytes);
                return new OmniMedia.FileSource(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (lower.startsWith("file:")) {
            return new OmniMedia.FileSource(Path.of(URI.create(ref)));
        }
        return new OmniMedia.FileSource(Path.of(ref));
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /**
     * Processes the media and expands the rendered text's placeholders left to right (mirrors
     * {@code replace_multimodal_special_tokens}), then tokenises.
     */
    Prompt expand(String text, List<OmniMedia.Source> imageSources, List<OmniMedia.Source> audioSources,
                  List<OmniMedia.Source> videoSources, boolean useAudioInVideo) {
        // which audio goes with which placeholder: standalone clips and (with use_audio_in_video) video soundtracks,
        // in the order the placeholders consume them
        Matcher m = PLACEHOLDER.matcher(text);
        List<int[]> spans = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
            tokens.add(m.group());
        }
        long images = tokens.stream().filter(IMAGE_PAD::equals).count();
        long audios = tokens.stream().filter(AUDIO_PAD::equals).count();
        long videos = tokens.stream().filter(VIDEO_PAD::equals).count();
        if (images != imageSources.size() || audios != audioSources.size() || videos != videoSources.size()) {
            throw new InvalidInputException("the rendered prompt has " + images + " image, " + audios + " audio and " + videos
                    + " video placeholders for " + imageSources.size() + ", " + audioSources.size() + " and " + videoSources.size()
                    + " media parts; does the chat template place media?");
        }
        List<ImagePatches> imagePatches = imageSources.stream().map(processor::image).toList();
        List<OmniMedia.Video> processedVideos = videoSources.stream().map(processor::video).toList();
        List<float[]> waves = new ArrayList<>();
        int a = 0;
        int v = 0;
        for (String t : tokens) {
            if (t.equals(AUDIO_PAD)) {
                waves.add(processor.audio(audioSources.get(a++)));
            } else if (t.equals(VIDEO_PAD) && useAudioInVideo) {
                String name = videoSources.get(v).name();
                waves.add(processedVideos.get(v).soundtrack().orElseThrow(() -> new InvalidInputException("video " + name
                        + " has no soundtrack to use with use_audio_in_video")));
            }
            v += t.equals(VIDEO_PAD) ? 1 : 0;
        }
        List<MediaInputs.Audio> features = processor.features(waves);
        StringBuilder out = new StringBuilder();
        int at = 0;
        int im = 0;
        int au = 0;
        v = 0;
        for (int i = 0; i < tokens.size(); i++) {
            int start = spans.get(i)[0];
            int end = spans.get(i)[1];
            String t = tokens.get(i);
            if (t.equals(VIDEO_PAD) && useAudioInVideo) {
                // the whole <|vision_start|><|video_pad|><|vision_end|> becomes the interleaved block
                if (!text.startsWith(VISION_START, start - VISION_START.length()) || !text.startsWith(VISION_END, end)) {
                    throw new InvalidInputException("with use_audio_in_video a video placeholder must read " + VISION_START + VIDEO_PAD + VISION_END);
                }
                out.append(text, at, start - VISION_START.length());
                VideoPatches p = processedVideos.get(v++).patches();
                out.append(VISION_START).append(AUDIO_START);
                for (boolean isVideo : AudioInVideo.order(Placeholders.audioTokens(features.get(au++).validFrames()), p)) {
                    out.append(isVideo ? VIDEO_PAD : AUDIO_PAD);
                }
                out.append(AUDIO_END).append(VISION_END);
                at = end + VISION_END.length();
                continue;
            }
            out.append(text, at, start);
            int n = switch (t) {
                case AUDIO_PAD -> Placeholders.audioTokens(features.get(au++).validFrames());
                case IMAGE_PAD -> imagePatches.get(im++).tokens();
                default -> processedVideos.get(v++).patches().tokens();
            };
            out.append(t.repeat(n));
            at = end;
        }
        out.append(text, at, text.length());
        int[] ids = tokenizer.encode(out.toString());
        List<MediaInputs.Visual> imageInputs = imagePatches.stream().map(OmniMedia::visual).toList();
        List<MediaInputs.Visual> videoInputs = processedVideos.stream().map(x -> OmniMedia.visual(x.patches())).toList();
        return new Prompt(text, ids, new MediaInputs(features, imageInputs, videoInputs, useAudioInVideo));
    }
}
