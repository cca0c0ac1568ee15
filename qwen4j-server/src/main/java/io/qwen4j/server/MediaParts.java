package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The media of one request's messages, as OpenAI's content parts give them: {@code image_url} ({@code {"url": ...}}),
 * {@code input_audio} ({@code {"data": base64, "format": "wav"}}) and, as vLLM takes them, {@code audio_url} and
 * {@code video_url} ({@code {"url": ...}}). A URL is a {@code data:} URL (base64) or, when the server allows it, an http(s) URL
 * ({@link MediaFetcher}); never a path or {@code file:} URL of the server's own disk. Each item is written to a
 * temporary file of this request, and the part becomes the {@code {"type": "image", "image": file}} form the engine
 * reads (in the place the part stands, so the chat template puts its placeholder there); {@link #close()} deletes the
 * files once the prompt is built. The engine's errors about an item name its file: {@link #explain} names the part
 * instead.
 */
final class MediaParts implements AutoCloseable {
    /** The audio formats an {@code input_audio} part may declare: what FFmpeg decodes (OpenAI lists wav and mp3). */
    static final Set<String> AUDIO_FORMATS = Set.of("wav", "mp3", "flac", "ogg", "opus", "m4a", "aac", "webm");

    private enum Kind {
        IMAGE("image", "images"), AUDIO("audio", "audio"), VIDEO("video", "video");

        final String key;
        final String plural;

        Kind(String key, String plural) {
            this.key = key;
            this.plural = plural;
        }
    }

    private final Backend backend;
    private Path dir;
    private final Map<Path, String> files = new LinkedHashMap<>();

    MediaParts(Backend backend) {
        this.backend = backend;
    }

    /** Whether some media item was taken. */
    boolean any() {
        return !files.isEmpty();
    }

    /**
     * A message's {@code content} array: its text when every part is text (as the chat template takes it), else the
     * parts with each media item resolved to a file of this request.
     */
    JsonNode content(JsonNode parts, String where) throws InterruptedException {
        boolean media = false;
        for (int j = 0; j < parts.size(); j++) {
            JsonNode part = parts.get(j);
            String type = part.path("type").asText("");
            String at = where + "[" + j + "]";
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw ApiException.invalid("'" + at + "' must be a content part: an object with a 'type' (text, image_url, input_audio,"
                        + " audio_url or video_url)", at);
            }
            if (!type.equals("text")) {
                Kind k = kind(type, at);
                if (backend.engine().model().mediaTokens().isEmpty()) {
                    throw ApiException.invalid("the model '" + backend.options().modelName() + "' reads text only: it does not accept "
                            + k.plural + " ('" + at + "' is an " + type + " part); images, audio and video need a Qwen3-Omni model", at,
                            "unsupported_content");
                }
                media = true;
            } else if (!part.path("text").isTextual()) {
                throw ApiException.invalid("'" + at + "' must be a text part {\"type\": \"text\", \"text\": ...}", at);
            }
        }
        if (!media) {
            StringBuilder b = new StringBuilder();
            parts.forEach(p -> b.append(p.get("text").textValue()));
            return Json.MAPPER.getNodeFactory().textNode(b.toString());
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int j = 0; j < parts.size(); j++) {
            JsonNode part = parts.get(j);
            String type = part.get("type").textValue();
            String at = where + "[" + j + "]";
            if (type.equals("text")) {
                out.addObject().put("type", "text").put("text", part.get("text").textValue());
                continue;
            }
            Kind k = kind(type, at);
            Path file = switch (type) {
                case "input_audio" -> inputAudio(part.get("input_audio"), at);
                default -> url(part.get(type), k, type, at);
            };
            ObjectNode canonical = out.addObject();
            canonical.put("type", k.key);
            canonical.put(k.key, file.toString());
        }
        return out;
    }

    private static Kind kind(String type, String at) {
        return switch (type) {
            case "image_url" -> Kind.IMAGE;
            case "input_audio", "audio_url" -> Kind.AUDIO;
            case "video_url" -> Kind.VIDEO;
            default -> throw ApiException.invalid("'" + at + "' has the type '" + type + "', which this server does not take: use text,"
                    + " image_url, input_audio, audio_url or video_url", at);
        };
    }

    /** {@code input_audio}: {@code {"data": base64, "format": "wav"}}. */
    private Path inputAudio(JsonNode audio, String at) {
        String where = at + ".input_audio";
        if (audio == null || !audio.isObject()) {
            throw ApiException.invalid("'" + where + "' must be an object {\"data\": base64, \"format\": \"wav\"}", where);
        }
        JsonNode data = audio.get("data");
        if (data == null || !data.isTextual()) {
            throw ApiException.invalid("'" + where + ".data' must be the audio file in base64", where + ".data");
        }
        JsonNode format = audio.get("format");
        if (format == null || !format.isTextual()) {
            throw ApiException.invalid("'" + where + ".format' is required: wav or mp3", where + ".format");
        }
        String f = format.textValue().toLowerCase(Locale.ROOT);
        if (!AUDIO_FORMATS.contains(f)) {
            throw ApiException.invalid("'" + where + ".format' is '" + format.textValue() + "', an audio format this server does not"
                    + " read: use wav or mp3 (or " + String.join(", ", AUDIO_FORMATS.stream().filter(x -> !x.equals("wav") && !x.equals("mp3"))
                    .sorted().toList()) + ")", where + ".format");
        }
        String b64 = data.textValue();
        Matcher url = DATA_URL.matcher(b64.length() > 5 && b64.regionMatches(true, 0, "data:", 0, 5) ? b64 : "");
        if (url.matches() && url.group(2).toLowerCase(Locale.ROOT).contains(";base64")) { // a data: URL where plain base64 belongs
            b64 = url.group(3);
        }
        return write(base64(b64, where + ".data", "audio"), f, at, "audio");
    }

    private static final Pattern DATA_URL = Pattern.compile("data:([^,;]*)((?:;[^,;]*)*),(.*)", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);

    /** {@code image_url} / {@code video_url}: {@code {"url": ...}} (or the URL alone, as vLLM also takes it). */
    private Path url(JsonNode value, Kind k, String type, String at) throws InterruptedException {
        String where = at + "." + type;
        JsonNode url = value != null && value.isObject() ? value.get("url") : value;
        if (url == null || !url.isTextual() || url.textValue().isEmpty()) {
            throw ApiException.invalid("'" + where + "' must be an object {\"url\": \"data:" + k.key + "/...;base64,...\"}", where);
        }
        String param = value.isObject() ? where + ".url" : where;
        String u = url.textValue().strip();
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            Matcher m = DATA_URL.matcher(u);
            if (!m.matches() || !m.group(2).toLowerCase(Locale.ROOT).contains(";base64")) {
                throw ApiException.invalid("'" + param + "' is a data: URL that is not base64: send data:" + k.key + "/TYPE;base64,...", param);
            }
            String mime = m.group(1).toLowerCase(Locale.ROOT);
            checkMime(mime, k, param, "'" + param + "'");
            return write(base64(m.group(3), param, k.key), extension(mime), at, k.key);
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            if (!backend.options().media().allowUrls()) {
                throw ApiException.invalid("'" + param + "' is a remote URL, which this server does not fetch: send the " + k.key
                        + " as a data: URL (data:" + k.key + "/...;base64,...), or start the server with --allow-media-urls", param,
                        "media_urls_disabled");
            }
            MediaFetcher.Fetched f = backend.fetcher().fetch(u, param);
            String mime = f.contentType() == null ? "" : f.contentType().split(";")[0].strip().toLowerCase(Locale.ROOT);
            checkMime(mime, k, param, "the media URL " + MediaFetcher.abbreviate(u) + " ('" + param + "')");
            String ext = extension(mime);
            if (ext.equals("bin")) {
                String path = java.net.URI.create(u).getPath();
                Matcher e = Pattern.compile("\\.(\\w{1,5})$").matcher(path == null ? "" : path);
                ext = e.find() ? e.group(1).toLowerCase(Locale.ROOT) : "bin";
            }
            if (f.bytes().length == 0) {
                throw ApiException.invalid("'" + param + "' (" + MediaFetcher.abbreviate(u) + ") is empty", param);
            }
            return write(f.bytes(), ext, at, k.key);
        }
        throw ApiException.invalid("'" + param + "' must be a data: URL (data:" + k.key + "/...;base64,...)"
                + (backend.options().media().allowUrls() ? " or an http(s) URL" : "") + ", got " + MediaFetcher.abbreviate(u), param);
    }

    /** An uploaded file (a transcription's audio) under {@code param}, its extension kept. */
    Path upload(byte[] bytes, String fileName, String param) {
        long max = backend.options().media().maxBytes();
        if (bytes.length == 0) {
            throw ApiException.invalid("'" + param + "' is empty: it must hold an audio file", param);
        }
        if (bytes.length > max) {
            throw tooLarge(param, "audio", bytes.length, max);
        }
        Matcher e = Pattern.compile("\\.(\\w{1,5})$").matcher(fileName == null ? "" : fileName);
        return write(bytes, e.find() ? e.group(1).toLowerCase(Locale.ROOT) : "bin", param, "audio");
    }

    /** A media type that says it is another kind of media is refused; none, or a generic one, is fine. */
    private static void checkMime(String mime, Kind k, String param, String shown) {
        if (mime.isEmpty() || mime.equals("application/octet-stream")) {
            return;
        }
        String major = mime.contains("/") ? mime.substring(0, mime.indexOf('/')) : mime;
        boolean ok = switch (k) {
            case IMAGE -> major.equals("image");
            case AUDIO -> major.equals("audio");
            case VIDEO -> major.equals("video") || mime.equals("application/mp4") || mime.equals("application/x-matroska");
        };
        if (!ok) {
            throw ApiException.invalid(shown + " holds " + mime + ", not " + (k == Kind.IMAGE ? "an image" : k == Kind.AUDIO
                    ? "audio" : "a video"), param);
        }
    }

    private static String extension(String mime) {
        String sub = mime.contains("/") ? mime.substring(mime.indexOf('/') + 1) : "";
        sub = sub.replaceAll("^x-", "").replaceAll("[^a-z0-9]", "");
        return switch (sub) {
            case "" -> "bin";
            case "jpeg" -> "jpg";
            case "mpeg", "mpeg3", "mp3" -> mime.startsWith("video") ? "mpg" : "mp3";
            case "wave", "vnd.wave", "vndwave" -> "wav";
            case "quicktime" -> "mov";
            case "matroska" -> "mkv";
            default -> sub.length() > 8 ? "bin" : sub;
        };
    }

    private byte[] base64(String data, String param, String what) {
        long max = backend.options().media().maxBytes();
        long estimate = data.length() / 4L * 3;
        if (estimate > max + 3) {
            throw tooLarge(param, what, estimate, max);
        }
        byte[] bytes;
        try {
            int bad = firstNonBase64(data);
            if (bad >= 0) {
                throw new IllegalArgumentException("the character " + (data.charAt(bad) < ' ' || data.charAt(bad) > '~'
                        ? String.format("U+%04X", (int) data.charAt(bad)) : "'" + data.charAt(bad) + "'") + " at " + bad + " is not base64");
            }
            bytes = Base64.getMimeDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("'" + param + "' is not valid base64 (" + e.getMessage() + ")", param);
        }
        if (bytes.length == 0) {
            throw ApiException.invalid("'" + param + "' is empty: it must hold the " + what + " file in base64", param);
        }
        if (bytes.length > max) {
            throw tooLarge(param, what, bytes.length, max);
        }
        return bytes;
    }

    /** The index of the first character outside the base64 alphabet (whitespace allowed), or -1. */
    private static int firstNonBase64(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
                    || c == ' ' || c == '\n' || c == '\r' || c == '\t';
            if (!ok) {
                return i;
            }
        }
        return -1;
    }

    private static ApiException tooLarge(String param, String what, long size, long max) {
        return ApiException.invalid("the " + what + " in '" + param + "' is " + size + " bytes, over this server's limit of " + max
                + " bytes per media item (see --max-media-mb)", param, "media_too_large");
    }

    private Path write(byte[] bytes, String ext, String at, String what) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("qwen4j-media-");
            }
            Path f = dir.resolve("part" + (files.size() + 1) + "." + ext);
            Files.write(f, bytes);
            files.put(f, "'" + at + "' (the " + what + ")");
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a temporary media file: " + e.getMessage(), e);
        }
    }

    /** A message from the engine with this request's temporary files named by the parts they came from. */
    String explain(String message) {
        String m = message == null ? "" : message;
        List<Map.Entry<Path, String>> entries = new ArrayList<>(files.entrySet());
        for (Map.Entry<Path, String> e : entries) {
            m = m.replace(e.getKey().toString(), e.getValue());
        }
        for (Map.Entry<Path, String> e : entries) {
            m = m.replace(e.getKey().getFileName().toString(), e.getValue());
        }
        if (dir != null) {
            m = m.replace(dir.toString(), "the request");
        }
        return m;
    }

    @Override
    public void close() {
        for (Path f : files.keySet()) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                // a leftover temporary file is harmless
            }
        }
        files.clear();
        if (dir != null) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // idem
            }
            dir = null;
        }
    }
}
