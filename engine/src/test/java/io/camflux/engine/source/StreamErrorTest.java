package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StreamErrorTest {

    private static String code(String message) {
        return StreamError.classify(new RuntimeException(message)).code();
    }

    @Test
    void classifiesFfmpegOpenErrors() {
        assertEquals(StreamError.CONNECT_REFUSED,
                code("avformat_open_input() error -111: Could not open input \"rtsp://127.0.0.1:1/x\""));
        assertEquals(StreamError.CONNECT_TIMEOUT, code("avformat_open_input() error -110: Could not open input"));
        assertEquals(StreamError.NOT_FOUND, code("avformat_open_input() error -2: Could not open input \"/x.mp4\""));
        assertEquals(StreamError.AUTH_FAILED, code("method DESCRIBE failed: 401 Unauthorized"));
        assertEquals(StreamError.NOT_FOUND, code("method DESCRIBE failed: 404 Not Found"));
        assertEquals(StreamError.STREAM_ERROR, code("something else"));
        String detail = StreamError.classify(new RuntimeException(
                "avformat_open_input() error -111: Could not open input \"rtsp://admin:s3cret@10.0.0.5/live\"")).getMessage();
        assertEquals("avformat_open_input() error -111: Could not open input \"rtsp://***@10.0.0.5/live\"", detail);
        StreamError eof = new StreamError(StreamError.EOF, "the stream ended", null);
        assertEquals(eof, StreamError.classify(eof));
    }
}
