package io.qwen4j.server;

/**
 * How the server listens and what it accepts.
 *
 * @param host         address to bind (loopback by default; {@code 0.0.0.0} for every interface)
 * @param port         TCP port; 0 picks a free one ({@link OpenAiServer#port()} tells which)
 * @param apiKey       the key clients must send as {@code Authorization: Bearer KEY} on {@code /v1/...};
 *                     empty for none
 * @param modelName    the model's id in {@code /v1/models} and responses; requests naming another get a 404
 * @param maxBodyBytes largest request body; more is refused with 413
 * @param maxChoices   largest {@code n}
 * @param media        what media content parts and uploads may be
 */
public record ServerOptions(String host, int port, String apiKey, String modelName, long maxBodyBytes, int maxChoices, MediaPolicy media) {
    public ServerOptions(String host, int port, String apiKey, String modelName, long maxBodyBytes, int maxChoices) {
        this(host, port, apiKey, modelName, maxBodyBytes, maxChoices, MediaPolicy.DEFAULT);
    }

    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (maxBodyBytes < 1 || maxChoices < 1) {
            throw new IllegalArgumentException("maxBodyBytes and maxChoices must be positive");
        }
        if (host == null || host.isEmpty() || modelName == null || modelName.isEmpty()) {
            throw new IllegalArgumentException("host and modelName are required");
        }
        apiKey = apiKey == null ? "" : apiKey;
        media = media == null ? MediaPolicy.DEFAULT : media;
    }

    /** 127.0.0.1:8080, no key, 64 MiB bodies (room for base64 media), n up to 16, {@link MediaPolicy#DEFAULT}. */
    public static ServerOptions defaults(String modelName) {
        return new ServerOptions("127.0.0.1", 8080, "", modelName, 64L << 20, 16, MediaPolicy.DEFAULT);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, apiKey, modelName, maxBodyBytes, maxChoices, media);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, apiKey, modelName, maxBodyBytes, maxChoices, media);
    }

    public ServerOptions withApiKey(String k) {
        return new ServerOptions(host, port, k, modelName, maxBodyBytes, maxChoices, media);
    }

    public ServerOptions withMaxBodyBytes(long n) {
        return new ServerOptions(host, port, apiKey, modelName, n, maxChoices, media);
    }

    public ServerOptions withMaxChoices(int n) {
        return new ServerOptions(host, port, apiKey, modelName, maxBodyBytes, n, media);
    }

    public ServerOptions withMedia(MediaPolicy m) {
        return new ServerOptions(host, port, apiKey, modelName, maxBodyBytes, maxChoices, m);
    }
}
