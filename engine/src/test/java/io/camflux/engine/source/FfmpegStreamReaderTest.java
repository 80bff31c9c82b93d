package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.config.DecodeConfig;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** Every frame is decoded; only wanted ones become images, and they are the same images as always. */
class FfmpegStreamReaderTest {

    @Test
    void onlyWantedFramesAreConvertedAndTheyMatchFullConversion() throws Exception {
        var source = TestConfigs.file("c", TestAssets.media("cam1.mp4").toString(), false, false);
        int frames = 0, images = 0;
        Mat fifth = null;
        FfmpegStreamReader closed;
        try (FfmpegStreamReader reader = FfmpegStreamReader.open(source)) {
            closed = reader;
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> pts % 500_000 == 0)) != null; frames++) {
                if (d.skipped()) {
                    assertNull(d.image());
                    continue;
                }
                images++;
                assertEquals(0, d.ptsMicros() % 500_000);
                assertEquals(768, d.image().cols());
                if (d.ptsMicros() == 2_000_000) {
                    fifth = d.image();
                } else {
                    d.image().close();
                }
            }
        }
        assertEquals(200, frames, "every frame of the 20 s, 10 fps clip is decoded");
        assertEquals(10.0, closed.frameRate(), 1e-9, "the rate outlives the connection (JavaCV's would read freed memory)");
        assertEquals(40, images, "two per second are wanted");
        try (FfmpegStreamReader reader = FfmpegStreamReader.open(source); Mat diff = new Mat()) {
            StreamReader.DecodedImage d;
            do {
                d = reader.next(pts -> true);
            } while (d.ptsMicros() != 2_000_000 && closeAndTrue(d));
            opencv_core.absdiff(d.image(), fifth, diff);
            assertEquals(0, opencv_core.countNonZero(diff.reshape(1, 0)), "the lazily converted frame is identical");
            d.image().close();
        }
        assertTrue(fifth != null);
        fifth.close();
    }

    private static boolean closeAndTrue(StreamReader.DecodedImage d) {
        d.image().close();
        return true;
    }

    @Test
    void nvdecDecodesOnTheGpuWhereThereIsOneAndOnTheCpuElsewhere() throws Exception {
        var source = TestConfigs.file("nv", TestAssets.media("cam1.mp4").toString(), false, false)
                .withDecoder(io.camflux.engine.config.VideoDecoder.NVDEC);
        try (DecoderBackend decoders = new DecoderBackend(DecodeConfig.DEFAULTS);
             StreamReader reader = decoders.open(source, AnalysisSize.SOURCE)) {
            String expected = decoders.nvdecDevice().available() ? "h264 (nvdec)" : "h264";
            assertEquals(expected, reader.decoderName());
            int frames = 0;
            for (int i = 0; i < 20; i++) {
                StreamReader.DecodedImage image = reader.next(ts -> true);
                if (image != null && image.image() != null) {
                    assertEquals(3, image.image().channels());
                    image.image().close();
                    frames++;
                }
            }
            assertEquals(20, frames, "every frame decoded and converted");
            reader.close();
            assertEquals(0, decoders.nvdecReserved(), 1e-9, "a closed reader gives its NVDEC share back");
        }
    }

    @Test
    void autoDoesNotTryNvdecOnAHostWithoutTheNvidiaDriver() throws Exception {
        var source = TestConfigs.file("auto", TestAssets.media("cam1.mp4").toString(), false, false)
                .withDecoder(io.camflux.engine.config.VideoDecoder.AUTO);
        try (DecoderBackend decoders = new DecoderBackend(DecodeConfig.DEFAULTS);
             StreamReader reader = decoders.open(source, AnalysisSize.SOURCE)) {
            if (NvdecDevice.driverPresent()) {
                assertTrue(java.util.Set.of("h264", "h264 (nvdec)").contains(reader.decoderName()), reader.decoderName());
            } else {
                assertEquals("h264", reader.decoderName());
                assertEquals(0, decoders.nvdecDevice().attempts(), "no CUDA device was asked for");
            }
            StreamReader.DecodedImage image = reader.next(ts -> true);
            assertTrue(image != null && image.image() != null, "the CPU decoder decodes");
            image.image().close();
        }
    }

    @Test
    void aServerThatAcceptsAndNeverAnswersIsAConnectTimeout() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepted, never answered
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.start();
            var source = TestConfigs.rtsp("silent", "rtsp://127.0.0.1:" + silent.getLocalPort() + "/cam");
            StreamError e = assertThrows(StreamError.class, () -> FfmpegStreamReader.open(source).close());
            assertEquals(StreamError.CONNECT_TIMEOUT, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("within timeout_ms (3000 ms"), e.getMessage());
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void aSilentServersOpenFailureIsAConnectTimeoutWhicheverReadGaveUpFirst() {
        var source = TestConfigs.rtsp("silent", "rtsp://user:secret@127.0.0.1:9/cam");
        long timeout = source.timeout().toNanos();
        var etimedout = new org.bytedeco.javacv.FFmpegFrameGrabber.Exception(
                "avformat_open_input() error -110: Could not open input \"rtsp://user:secret@127.0.0.1:9/cam\".");
        var invalidData = new org.bytedeco.javacv.FFmpegFrameGrabber.Exception(
                "avformat_open_input() error -1094995529: Could not open input \"rtsp://user:secret@127.0.0.1:9/cam\".");

        for (var failure : java.util.List.of(etimedout, invalidData)) {
            StreamError e = FfmpegStreamReader.silentAsTimeout(source, failure, timeout + 1);
            assertEquals(StreamError.CONNECT_TIMEOUT, e.code(), failure.getMessage());
            assertTrue(e.getMessage().contains("within timeout_ms (" + source.timeout().toMillis() + " ms"), e.getMessage());
            assertFalse(e.getMessage().contains("secret"), e.getMessage());
        }
        assertEquals(StreamError.CONNECT_TIMEOUT,
                FfmpegStreamReader.silentAsTimeout(source, etimedout, timeout / 2).code(), "FFmpeg said it timed out");
        assertNull(FfmpegStreamReader.silentAsTimeout(source, invalidData, timeout / 2),
                "invalid data before the timeout is a broken stream, not silence");
    }

    /**
     * A server that answers DESCRIBE with an SDP declaring H.264, SETUP and PLAY, and then sends no RTP: the camera
     * never connected to a picture, a connect timeout (it was NO_VIDEO, "audio or data only").
     */
    @Test
    void aServerThatAnswersPlayAndSendsNoVideoIsAConnectTimeout() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<String> methods = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread rtsp = new Thread(() -> {
                try (java.net.Socket s = server.accept()) {
                    answerUntilPlay(s, methods);
                    s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream()); // and nothing more
                } catch (java.io.IOException closed) {
                    // the client gave up: the test is over
                }
            });
            rtsp.start();
            var source = TestConfigs.rtsp("mute", "rtsp://127.0.0.1:" + server.getLocalPort() + "/cam");
            StreamError e = assertThrows(StreamError.class, () -> FfmpegStreamReader.open(source).close());
            assertTrue(methods.contains("PLAY"), "the server was asked to play: " + methods);
            assertEquals(StreamError.CONNECT_TIMEOUT, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("declares h264 video but sent no picture within timeout_ms (3000 ms)"),
                    e.getMessage());
            rtsp.join(10_000);
        }
    }

    /** OPTIONS, DESCRIBE (one H.264 track), SETUP (interleaved over this connection), PLAY: each answered 200. */
    private static void answerUntilPlay(java.net.Socket socket, java.util.List<String> methods) throws java.io.IOException {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                java.nio.charset.StandardCharsets.US_ASCII));
        var out = socket.getOutputStream();
        String sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=mute\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
                + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n";
        while (!methods.contains("PLAY")) {
            String first = in.readLine();
            if (first == null) {
                return;
            }
            String cseq = "0";
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("cseq:")) {
                    cseq = line.substring(5).strip();
                }
            }
            String method = first.split(" ")[0];
            methods.add(method);
            String extra = switch (method) {
                case "OPTIONS" -> "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n";
                case "DESCRIBE" -> "Content-Type: application/sdp\r\nContent-Length: " + sdp.length() + "\r\n";
                case "SETUP" -> "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4242\r\n";
                default -> "Session: 4242\r\nRange: npt=0.000-\r\n";
            };
            String answer = "RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\n" + extra + "\r\n"
                    + (method.equals("DESCRIBE") ? sdp : "");
            out.write(answer.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** A camera whose settings change switches resolution mid-stream: each frame reports the size it has. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"384x288,768x576", "768x576,384x288"})
    void aResolutionChangeMidStreamIsFollowedFrameByFrame(String first, String second,
                                                          @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        for (String size : new String[] {first, second}) {
            java.nio.file.Path part = dir.resolve(size + ".ts");
            Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-i",
                    TestAssets.media("cam1.mp4").toString(), "-t", "1", "-vf", "scale=" + size.replace('x', ':'),
                    "-c:v", "libx264", "-g", "5", "-an", "-f", "mpegts", part.toString()).redirectErrorStream(true)
                    .start();
            String out = new String(ffmpeg.getInputStream().readAllBytes());
            assertEquals(0, ffmpeg.waitFor(), out);
            joined.writeBytes(java.nio.file.Files.readAllBytes(part));
        }
        java.nio.file.Path clip = java.nio.file.Files.write(dir.resolve("switch.ts"), joined.toByteArray());
        var source = TestConfigs.file("switch", clip.toString(), false, false);
        java.util.List<String> sizes = new java.util.ArrayList<>();
        try (FfmpegStreamReader reader = FfmpegStreamReader.open(source)) {
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> true)) != null; ) {
                if (d.image() == null) {
                    continue; // the old size's last picture at the switch is not converted (at most one)
                }
                try (Mat image = d.image()) {
                    String size = d.sourceWidth() + "x" + d.sourceHeight();
                    assertEquals(size, image.cols() + "x" + image.rows(), "the image is the size it says");
                    if (sizes.isEmpty() || !sizes.get(sizes.size() - 1).equals(size)) {
                        sizes.add(size);
                    }
                }
            }
        }
        assertEquals(java.util.List.of(first, second), sizes, "the sizes in order, each frame its own");
    }

    /** 16x16 (a 48-byte row in a padded line) once came out as a "12-channel" image no detector could take. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"16,16", "20,20", "32,32", "48,18"})
    void smallPicturesBecomeBgrImagesOfTheirOwnSize(int width, int height, @org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.nio.file.Path clip = dir.resolve("small.mp4");
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "color=c=0x2080E0:size=" + width + "x" + height + ":rate=10", "-t", "1", "-pix_fmt", "yuv444p",
                "-c:v", "libx264", "-qp", "0", clip.toString()).redirectErrorStream(true).start();
        String out = new String(ffmpeg.getInputStream().readAllBytes());
        assertEquals(0, ffmpeg.waitFor(), out);
        var source = TestConfigs.file("small", clip.toString(), false, false);
        int images = 0;
        try (FfmpegStreamReader reader = FfmpegStreamReader.open(source)) {
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> true)) != null; ) {
                try (Mat image = d.image()) {
                    assertEquals(opencv_core.CV_8UC3, image.type(), "BGR, 3 channels");
                    assertEquals(width, image.cols());
                    assertEquals(height, image.rows());
                    // the colour 0x2080E0 is B=0xE0, G=0x80, R=0x20, everywhere, the last row and column included
                    org.bytedeco.javacpp.indexer.UByteIndexer px = image.createIndexer();
                    assertEquals(0xE0, px.get(height - 1, width - 1, 0), 6);
                    assertEquals(0x80, px.get(height - 1, width - 1, 1), 6);
                    assertEquals(0x20, px.get(0, 0, 2), 6);
                    px.close();
                }
                images++;
            }
        }
        assertEquals(10, images);
    }

    @Test
    void aSourceWithoutVideoIsNoVideoNotAnEndOfFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path audio = dir.resolve("audio.m4a");
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "sine=frequency=440:duration=2", "-c:a", "aac", audio.toString()).redirectErrorStream(true).start();
        String out = new String(ffmpeg.getInputStream().readAllBytes());
        assertEquals(0, ffmpeg.waitFor(), out);
        var source = TestConfigs.file("audio", audio.toString(), true, false);
        StreamError e = org.junit.jupiter.api.Assertions.assertThrows(StreamError.class,
                () -> FfmpegStreamReader.open(source).close());
        assertEquals(StreamError.NO_VIDEO, e.code());
        assertTrue(e.getMessage().contains("no video stream") && e.getMessage().contains("audio.m4a"), e.getMessage());
        // the NVDEC reader's demuxer says it with FFmpeg's "stream not found" number
        assertEquals(StreamError.NO_VIDEO, StreamError.classify(
                new java.io.IOException("no video stream in x: error -1381258232")).code());
    }

    /**
     * A camera whose server accepts the connection and never answers holds its own open until its timeout, not the
     * other cameras': JavaCV's start() took one lock for the whole process, so cameras connected one at a time.
     */
    @Test
    void aCameraThatHangsWhileConnectingDoesNotHoldUpAnotherCamerasOpen() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            java.util.concurrent.CompletableFuture<Throwable> hung = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (StreamReader r = FfmpegStreamReader.open(
                        TestConfigs.rtsp("silent", "rtsp://127.0.0.1:" + silent.getLocalPort() + "/x"))) {
                    return null;
                } catch (Exception e) {
                    return e;
                }
            });
            try (java.net.Socket accepted = silent.accept()) { // the hanging camera is inside its open now
                try (StreamReader other = FfmpegStreamReader.open(
                        TestConfigs.file("other", TestAssets.media("cam1.mp4").toString(), false, false))) {
                    StreamReader.DecodedImage first = other.next(t -> true);
                    assertTrue(first != null && !first.skipped(), "the other camera opened and decodes");
                    first.image().close();
                    assertFalse(hung.isDone(), "while the silent camera is still waiting for its answer");
                }
            }
            assertTrue(hung.get(30, java.util.concurrent.TimeUnit.SECONDS) != null, "the silent camera fails on its own");
        }
    }
}
