package dev.mtl.serve;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The optional API key: with one set, every route but /health needs {@code Authorization: Bearer KEY}
 * (/health stays open for load balancers and orchestrators). The key is compared in constant time and
 * never written anywhere: not in messages, logs or metrics.
 */
final class AccessControl {

    /** The one route a client may call without the key. */
    static final String OPEN_PATH = "/health";

    private final byte[] expected;

    /** @param apiKey the key, or null for an open server */
    AccessControl(String apiKey) {
        this.expected = apiKey == null ? null : ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
    }

    /** Throws a 401 unless the request may pass. */
    void check(Context ctx) {
        if (expected == null || ctx.path().equals(OPEN_PATH)) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "this server requires an API key: send 'Authorization: Bearer KEY'");
        }
        // MessageDigest.isEqual takes a time that depends only on the length of its first argument,
        // the expected value: how much of a guess matched does not show in the response time.
        if (!MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw new ApiError(401, "wrong API key in the Authorization header");
        }
    }

    /**
     * The warning to print at start when the server listens beyond this machine with no key; null when
     * none is due. Anyone who can reach the port can then use the model and read its metrics.
     */
    static String exposureWarning(String host, boolean hasKey) {
        if (hasKey || isLoopback(host)) {
            return null;
        }
        return "listening on " + host + " without an API key: anyone who can reach this port can use the"
                + " model; set --api-key or MTL_API_KEY, or bind 127.0.0.1";
    }

    private static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false; // binding will fail anyway with its own message
        }
    }
}
