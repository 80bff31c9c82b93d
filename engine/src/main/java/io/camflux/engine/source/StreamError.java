package io.camflux.engine.source;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A stream failure with the code that status events carry. */
public final class StreamError extends RuntimeException {
    public static final String CONNECT_REFUSED = "CONNECT_REFUSED";
    public static final String CONNECT_TIMEOUT = "CONNECT_TIMEOUT";
    public static final String AUTH_FAILED = "AUTH_FAILED";
    public static final String NOT_FOUND = "NOT_FOUND";
    public static final String DECODE_ERROR = "DECODE_ERROR";
    public static final String EOF = "EOF";
    public static final String STREAM_ERROR = "STREAM_ERROR";
    /** The source opened but carries no video stream (audio only, data only). */
    public static final String NO_VIDEO = "NO_VIDEO";
    /** Not the stream: the camera's own settings cannot work (e.g. a motion mask outside the image). */
    public static final String CONFIG_ERROR = "CONFIG_ERROR";

    private static final Pattern AV_ERROR = Pattern.compile("error (-?\\d+)");
    private static final int AVERROR_HTTP_UNAUTHORIZED = -fferrtag(0xF8, '4', '0', '1');
    private static final int AVERROR_HTTP_FORBIDDEN = -fferrtag(0xF8, '4', '0', '3');
    private static final int AVERROR_HTTP_NOT_FOUND = -fferrtag(0xF8, '4', '0', '4');
    private static final int AVERROR_STREAM_NOT_FOUND = -fferrtag(0xF8, 'S', 'T', 'R');

    private final String code;

    public StreamError(String code, String detail, Throwable cause) {
        super(detail, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** Classifies a failure of opening or reading a stream. */
    public static StreamError classify(Throwable failure) {
        if (failure instanceof StreamError se) {
            return se;
        }
        // FFmpeg puts the URL in its messages: never let credentials reach logs or events
        String message = String.valueOf(failure.getMessage()).replaceAll("://[^/@\\s\"]*@", "://***@");
        String lower = message.toLowerCase(Locale.ROOT);
        Integer av = null;
        Matcher m = AV_ERROR.matcher(message);
        if (m.find()) {
            av = Integer.parseInt(m.group(1));
        }
        String code;
        if (lower.contains("no video stream")) {
            code = NO_VIDEO;
        } else if (Integer.valueOf(-111).equals(av) || lower.contains("connection refused")) {
            code = CONNECT_REFUSED;
        } else if (Integer.valueOf(-110).equals(av) || lower.contains("timed out") || lower.contains("timeout")) {
            code = CONNECT_TIMEOUT;
        } else if (Integer.valueOf(AVERROR_HTTP_UNAUTHORIZED).equals(av)
                || Integer.valueOf(AVERROR_HTTP_FORBIDDEN).equals(av)
                || lower.contains("401") || lower.contains("unauthorized")) {
            code = AUTH_FAILED;
        } else if (Integer.valueOf(AVERROR_HTTP_NOT_FOUND).equals(av)
                || Integer.valueOf(AVERROR_STREAM_NOT_FOUND).equals(av)
                || Integer.valueOf(-2).equals(av) || lower.contains("404") || lower.contains("not found")) {
            code = NOT_FOUND;
        } else if (lower.contains("decod")) {
            code = DECODE_ERROR;
        } else {
            code = STREAM_ERROR;
        }
        return new StreamError(code, message, failure);
    }

    private static int fferrtag(int a, int b, int c, int d) {
        return a | (b << 8) | (c << 16) | (d << 24);
    }
}
