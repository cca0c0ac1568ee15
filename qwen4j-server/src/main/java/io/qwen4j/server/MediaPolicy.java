package io.qwen4j.server;

import java.time.Duration;

/**
 * What the server accepts as media in content parts ({@code image_url}, {@code input_audio}, {@code video_url}) and
 * transcription uploads.
 *
 * @param maxBytes       largest media item, decoded from base64 or fetched; more is a 400
 * @param allowUrls      whether http(s) URLs are fetched (off by default: the server would fetch whatever a client names,
 *                       local addresses included); off, only {@code data:} URLs are taken
 * @param connectTimeout time to connect to a media URL's host
 * @param readTimeout    time to get a media URL's whole answer once the request is sent
 * @param maxRedirects   redirects followed for one media URL
 */
public record MediaPolicy(long maxBytes, boolean allowUrls, Duration connectTimeout, Duration readTimeout, int maxRedirects) {
    /** 32 MiB per item, URLs off; when on: 10 s to connect, 30 s to read, 3 redirects. */
    public static final MediaPolicy DEFAULT = new MediaPolicy(32L << 20, false, Duration.ofSeconds(10), Duration.ofSeconds(30), 3);

    public MediaPolicy {
        if (maxBytes < 1 || maxRedirects < 0) {
            throw new IllegalArgumentException("maxBytes must be positive and maxRedirects not negative");
        }
        if (connectTimeout == null || readTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()
                || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("the media URL timeouts must be positive");
        }
    }

    public MediaPolicy withMaxBytes(long n) {
        return new MediaPolicy(n, allowUrls, connectTimeout, readTimeout, maxRedirects);
    }

    public MediaPolicy withAllowUrls(boolean on) {
        return new MediaPolicy(maxBytes, on, connectTimeout, readTimeout, maxRedirects);
    }

    public MediaPolicy withTimeouts(Duration connect, Duration read) {
        return new MediaPolicy(maxBytes, allowUrls, connect, read, maxRedirects);
    }

    public MediaPolicy withMaxRedirects(int n) {
        return new MediaPolicy(maxBytes, allowUrls, connectTimeout, readTimeout, n);
    }
}
