package io.qwen4j.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches the http(s) media URLs of content parts (when {@link MediaPolicy#allowUrls()}) with the JDK's HttpClient:
 * at most {@link MediaPolicy#maxBytes()} (a larger Content-Length is refused before the body is read, a longer body
 * is cut off), within the connect and read timeouts, following at most {@link MediaPolicy#maxRedirects()} redirects.
 * Every failure is a 400 naming the URL and what went wrong.
 */
final class MediaFetcher {
    /** A fetched item: its bytes and the Content-Type the server gave (null when none). */
    record Fetched(byte[] bytes, String contentType) {}

    private final MediaPolicy policy;
    private final HttpClient client;

    MediaFetcher(MediaPolicy policy) {
        this.policy = policy;
        this.client = HttpClient.newBuilder().connectTimeout(policy.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Fetched fetch(String url, String param) throws InterruptedException {
        URI uri = parse(url, url, param);
        long deadline = System.nanoTime() + policy.readTimeout().toNanos() + policy.connectTimeout().toNanos();
        for (int redirects = 0; ; redirects++) {
            HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(policy.readTimeout())
                    .header("Accept", "image/*, audio/*, video/*, */*;q=0.5").build();
            CompletableFuture<HttpResponse<byte[]>> pending = client.sendAsync(request, info -> body(info, url, param));
            HttpResponse<byte[]> r;
            try {
                r = pending.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                pending.cancel(true);
                throw failed(url, "took more than " + seconds(policy.connectTimeout().plus(policy.readTimeout())) + " s", param);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                for (Throwable t = cause; t != null; t = t.getCause()) {
                    if (t instanceof ApiException api) {
                        throw api;
                    }
                }
                if (cause instanceof HttpTimeoutException) {
                    throw failed(url, "timed out (" + oneLine(cause) + ")", param);
                }
                throw failed(url, "failed: " + oneLine(cause), param);
            }
            int status = r.statusCode();
            if (status == 200) {
                return new Fetched(r.body(), r.headers().firstValue("Content-Type").orElse(null));
            }
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                String location = r.headers().firstValue("Location").orElseThrow(() -> failed(url, "answered HTTP " + status
                        + " without a Location", param));
                if (redirects >= policy.maxRedirects()) {
                    throw failed(url, "redirects more than " + policy.maxRedirects() + " times", param);
                }
                uri = parse(uri.resolve(location).toString(), url, param);
                continue;
            }
            throw failed(url, "answered HTTP " + status + " (not 200)", param);
        }
    }

    /** The body of a 200 (at most maxBytes), nothing of any other answer. */
    private HttpResponse.BodySubscriber<byte[]> body(HttpResponse.ResponseInfo info, String url, String param) {
        if (info.statusCode() != 200) {
            return HttpResponse.BodySubscribers.replacing(new byte[0]);
        }
        long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > policy.maxBytes()) {
            return failing(failed(url, "is " + declared + " bytes, over this server's limit of " + policy.maxBytes()
                    + " bytes per media item", param));
        }
        return new Limited(policy.maxBytes(), () -> failed(url, "is over this server's limit of " + policy.maxBytes()
                + " bytes per media item", param));
    }

    private static HttpResponse.BodySubscriber<byte[]> failing(ApiException e) {
        Limited l = new Limited(0, () -> e);
        l.result.completeExceptionally(e);
        return l;
    }

    /** Collects a body, cancelling the download once it passes the limit. */
    private static final class Limited implements HttpResponse.BodySubscriber<byte[]> {
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final long max;
        private final java.util.function.Supplier<ApiException> tooLarge;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        Limited(long max, java.util.function.Supplier<ApiException> tooLarge) {
            this.max = max;
            this.tooLarge = tooLarge;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (result.isDone()) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (out.size() + (long) b.remaining() > max) {
                    result.completeExceptionally(tooLarge.get());
                    subscription.cancel();
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }

    private static URI parse(String url, String original, String param) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("'" + param + "' is not a valid URL: " + abbreviate(original), param);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw ApiException.invalid("the media URL " + abbreviate(original) + " leads to " + abbreviate(url)
                    + ", which is not an http(s) URL", param);
        }
        return uri;
    }

    private static ApiException failed(String url, String what, String param) {
        return ApiException.invalid("the media URL " + abbreviate(url) + " ('" + param + "') " + what, param);
    }

    static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }

    private static String seconds(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? String.valueOf(d.toSeconds()) : String.valueOf(d.toMillis() / 1000.0);
    }

    private static String oneLine(Throwable t) {
        if (t instanceof IOException && t.getMessage() == null) {
            return t.getClass().getSimpleName();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
