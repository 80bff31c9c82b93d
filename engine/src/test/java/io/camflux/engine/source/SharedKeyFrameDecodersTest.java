package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.config.DecodeConfig;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key-frames-only cameras sharing one decoder: two real H.264 streams of one size but different encoders (so different
 * parameter sets), each with a key frame a second, fed alternately to one decoder (here FFmpeg's H.264 decoder on the
 * CPU, as on NVDEC the CUVID one), each getting back exactly its own key frames, the pictures full decoding gives.
 */
class SharedKeyFrameDecodersTest {
    private static final long SECOND = 1_000_000;
    @TempDir
    static Path dir;
    private static Path high;
    private static Path baseline;

    @BeforeAll
    static void makeClips() throws Exception {
        high = clip("high.mp4", "cam1.mp4", "high", "ref=3");
        baseline = clip("baseline.mp4", "cam2.mp4", "baseline", "ref=1:cabac=0");
    }

    /** 8 s at 25 fps, 320x240, a key frame every 25 frames, from {@code from} with x264's {@code profile}. */
    private static Path clip(String name, String from, String profile, String params) throws Exception {
        Path out = dir.resolve(name);
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-i", TestAssets.media(from).toString(),
                "-t", "8", "-vf", "fps=25,scale=320:240", "-c:v", "libx264", "-profile:v", profile, "-x264-params",
                params, "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-bf", "0", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(ffmpeg.getInputStream().readAllBytes());
        assertEquals(0, ffmpeg.waitFor(), log);
        return out;
    }

    /** Each camera on the CPU for every frame, on the shared decoders for key frames. */
    private static NvdecStreamReader.DeviceChoice sharing(SharedKeyFrameDecoders shared, String camera,
                                                          List<Double> sharedAt) {
        return new NvdecStreamReader.DeviceChoice() {
            @Override
            public AVBufferRef deviceFor(NvdecStreamReader.StreamShape shape) {
                return null;
            }

            @Override
            public SharedKeyFrameDecoders.Member sharedFor(NvdecStreamReader.StreamShape shape, AVCodec codec,
                                                           AVStream stream, int[] resize) throws IOException {
                sharedAt.add(shape.frameRate());
                return shared.join(camera, codec, stream, resize);
            }
        };
    }

    @Test
    void twoCamerasOfOneSizeShareOneDecoderAndEachGetsBackItsOwnKeyFrames() throws Exception {
        NvdecDecoders decoders = new NvdecDecoders(DecodeConfig.Nvdec.DEFAULTS);
        AtomicInteger slotsHeld = new AtomicInteger();
        SharedKeyFrameDecoders shared = new SharedKeyFrameDecoders(decoders, () -> {
            slotsHeld.incrementAndGet();
            return new SharedKeyFrameDecoders.Slot(null, slotsHeld::decrementAndGet, why -> { });
        }, 4);
        List<Double> askedA = new ArrayList<>();
        List<Double> askedB = new ArrayList<>();
        var a = TestConfigs.file("a", high.toString(), false, false);
        var b = TestConfigs.file("b", baseline.toString(), false, false);
        try (NvdecStreamReader readerA = NvdecStreamReader.open(a, AnalysisSize.SOURCE, decoders,
                     sharing(shared, "a", askedA), () -> { });
             NvdecStreamReader readerB = NvdecStreamReader.open(b, AnalysisSize.SOURCE, decoders,
                     sharing(shared, "b", askedB), () -> { })) {
            for (NvdecStreamReader r : List.of(readerA, readerB)) {
                for (int i = 0; i < 26; i++) {
                    assertNotNull(r.next(pts -> false)); // 0 s to 1 s: the key-frame interval learnt
                }
                assertEquals(SECOND, r.keyFrameIntervalMicros());
                assertTrue(r.keyFramesOnly(true));
            }
            Map<NvdecStreamReader, List<Long>> keys = new HashMap<>();
            Map<NvdecStreamReader, Mat> atThree = new HashMap<>();
            boolean aOpen = true;
            boolean bOpen = true;
            while (aOpen || bOpen) { // alternately: each key packet goes in between the other camera's
                if (aOpen) {
                    aOpen = take(readerA, keys, atThree);
                }
                if (bOpen) {
                    bOpen = take(readerB, keys, atThree);
                }
            }
            List<Long> expected = List.of(2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND, 6 * SECOND, 7 * SECOND);
            assertEquals(expected, keys.get(readerA), "camera a: its own key frames, each once");
            assertEquals(expected, keys.get(readerB), "camera b: its own key frames, each once");
            assertEquals(1, shared.decodersMade(), "one decoder for both: never busy when the other sent");
            assertEquals(1, slotsHeld.get());
            assertEquals(List.of(1.0), askedA, "a place asked for at the key-frame rate");
            assertEquals(List.of(1.0), askedB);
            assertTrue(readerA.decoderName().endsWith("key frames only, shared"), readerA.decoderName());
            assertEquals(0, readerA.undecodable(), "nothing lost");
            assertEquals(0, readerB.undecodable());

            try (Mat wholeA = wholeDecodeAt(a, 3 * SECOND); Mat wholeB = wholeDecodeAt(b, 3 * SECOND);
                 Mat keyA = atThree.get(readerA); Mat keyB = atThree.get(readerB)) {
                assertEquals(0.0, meanDifference(keyA, wholeA), 0.01, "camera a's key frame is its full decode's");
                assertEquals(0.0, meanDifference(keyB, wholeB), 0.01, "camera b's key frame is its full decode's");
                assertTrue(meanDifference(keyA, keyB) > 5, "and the two cameras' pictures differ");
            }
        }
        shared.close();
        assertEquals(0, slotsHeld.get(), "the decoder's slot given back at the close");
    }

    @Test
    void withNoSlotForADecoderAKeyFrameCameraDecodesOnADecoderOfItsOwn() throws Exception {
        NvdecDecoders decoders = new NvdecDecoders(DecodeConfig.Nvdec.DEFAULTS);
        SharedKeyFrameDecoders none = new SharedKeyFrameDecoders(decoders, () -> null, 4);
        List<Double> asked = new ArrayList<>();
        var a = TestConfigs.file("a", high.toString(), false, false);
        try (NvdecStreamReader reader = NvdecStreamReader.open(a, AnalysisSize.SOURCE, decoders,
                sharing(none, "a", asked), () -> { })) {
            for (int i = 0; i < 26; i++) {
                reader.next(pts -> false);
            }
            assertTrue(reader.keyFramesOnly(true));
            List<Long> keys = new ArrayList<>();
            for (StreamReader.DecodedImage d; (d = reader.next(pts -> false)) != null; ) {
                keys.add(d.ptsMicros());
            }
            assertEquals(6, keys.size(), "the key frames of 2 s to 7 s: " + keys);
            assertEquals(0, none.decodersMade());
            assertTrue(reader.decoderName().endsWith("key frames only"), reader.decoderName());
            assertFalse(reader.decoderName().contains("shared"), reader.decoderName());
        }
        none.close();
    }

    @Test
    void aPacketThatNeverBecomesAPictureIsCountedLostAndTheNextKeyFrameStillComes() throws Exception {
        NvdecDecoders decoders = new NvdecDecoders(DecodeConfig.Nvdec.DEFAULTS);
        SharedKeyFrameDecoders shared = new SharedKeyFrameDecoders(decoders,
                () -> new SharedKeyFrameDecoders.Slot(null, () -> { }, why -> { }), 4);
        org.bytedeco.ffmpeg.avformat.AVFormatContext format = new org.bytedeco.ffmpeg.avformat.AVFormatContext(null);
        assertEquals(0, org.bytedeco.ffmpeg.global.avformat.avformat_open_input(format, high.toString(), null, null));
        org.bytedeco.ffmpeg.avcodec.AVPacket packet = org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc();
        org.bytedeco.ffmpeg.avcodec.AVPacket framed = org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc();
        org.bytedeco.ffmpeg.avformat.AVStream stream = format.streams(0);
        List<Long> pictures = new ArrayList<>();
        try (KeyPacketFramer framer = KeyPacketFramer.of(stream, "h264");
             SharedKeyFrameDecoders.Member member = shared.join("a", org.bytedeco.ffmpeg.global.avcodec
                     .avcodec_find_decoder(stream.codecpar().codec_id()), stream, null)) {
            assertNotNull(member);
            byte[] delimiterOnly = {0, 0, 0, 1, 9, (byte) 0xf0}; // an access unit with no picture in it
            for (long second = 0; second < 3; ) {
                assertEquals(0, org.bytedeco.ffmpeg.global.avformat.av_read_frame(format, packet));
                if ((packet.flags() & org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY) == 0) {
                    org.bytedeco.ffmpeg.global.avcodec.av_packet_unref(packet);
                    continue;
                }
                framer.frame(packet, framed);
                org.bytedeco.ffmpeg.global.avcodec.av_packet_unref(packet);
                assertTrue(member.send(framed, second * SECOND));
                if (second == 0) {
                    assertEquals(0, org.bytedeco.ffmpeg.global.avcodec.av_new_packet(framed, delimiterOnly.length));
                    framed.data().put(delimiterOnly);
                    assertTrue(member.send(framed, SECOND / 2));
                }
                second++;
                for (SharedKeyFrameDecoders.Picture p; (p = member.take()) != null; ) {
                    pictures.add(p.ptsMicros());
                    org.bytedeco.ffmpeg.global.avutil.av_frame_free(p.frame());
                }
            }
            assertEquals(List.of(0L, SECOND, 2 * SECOND), pictures, "every key frame, none for the empty packet");
            assertEquals(1, member.picturesLost(), "the empty packet counted lost");
        } finally {
            org.bytedeco.ffmpeg.global.avcodec.av_packet_free(packet);
            org.bytedeco.ffmpeg.global.avcodec.av_packet_free(framed);
            org.bytedeco.ffmpeg.global.avformat.avformat_close_input(format);
            shared.close();
        }
    }

    @Test
    void aFramedKeyPacketIsAnnexBLedByTheCamerasParameterSetsAndClosedByADelimiter() throws Exception {
        org.bytedeco.ffmpeg.avformat.AVFormatContext format = new org.bytedeco.ffmpeg.avformat.AVFormatContext(null);
        assertEquals(0, org.bytedeco.ffmpeg.global.avformat.avformat_open_input(format, baseline.toString(), null, null));
        org.bytedeco.ffmpeg.avcodec.AVPacket packet = org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc();
        org.bytedeco.ffmpeg.avcodec.AVPacket framed = org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc();
        try (KeyPacketFramer framer = KeyPacketFramer.of(format.streams(0), "h264")) {
            assertNotNull(framer);
            assertEquals(0, org.bytedeco.ffmpeg.global.avformat.av_read_frame(format, packet));
            assertTrue((packet.flags() & org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY) != 0);
            framer.frame(packet, framed);
            byte[] bytes = new byte[framed.size()];
            framed.data().get(bytes);
            assertEquals(List.of(0, 0, 0, 1, 7), List.of((int) bytes[0], (int) bytes[1], (int) bytes[2], (int) bytes[3],
                    bytes[4] & 0x1f), "a start code, then the SPS");
            assertEquals(List.of(0, 0, 0, 1, 9), List.of((int) bytes[bytes.length - 6], (int) bytes[bytes.length - 5],
                    (int) bytes[bytes.length - 4], (int) bytes[bytes.length - 3], bytes[bytes.length - 2] & 0x1f),
                    "closed by an access unit delimiter");
            assertEquals(packet.pts(), framed.pts());
            assertTrue(framed.size() > packet.size(), "the parameter sets added");
        } finally {
            org.bytedeco.ffmpeg.global.avcodec.av_packet_free(packet);
            org.bytedeco.ffmpeg.global.avcodec.av_packet_free(framed);
            org.bytedeco.ffmpeg.global.avformat.avformat_close_input(format);
        }
        assertEquals(null, KeyPacketFramer.of(null, "mjpeg"), "only H.264 and HEVC key frames are shared");
    }

    /** One picture of {@code reader}, its time noted (its image kept at 3 s); false at the end. */
    private static boolean take(NvdecStreamReader reader, Map<NvdecStreamReader, List<Long>> keys,
                                Map<NvdecStreamReader, Mat> atThree) throws IOException {
        StreamReader.DecodedImage d = reader.next(pts -> pts == 3 * SECOND);
        if (d == null) {
            return false;
        }
        keys.computeIfAbsent(reader, r -> new ArrayList<>()).add(d.ptsMicros());
        if (!d.skipped()) {
            atThree.put(reader, d.image());
        }
        return true;
    }

    private static Mat wholeDecodeAt(io.camflux.engine.config.SourceConfig source, long pts) throws IOException {
        NvdecDecoders decoders = new NvdecDecoders(DecodeConfig.Nvdec.DEFAULTS);
        try (NvdecStreamReader whole = NvdecStreamReader.open(source, AnalysisSize.SOURCE, decoders, s -> null,
                () -> { })) {
            StreamReader.DecodedImage d;
            while ((d = whole.next(t -> t == pts)).skipped()) {
                // every frame up to pts
            }
            return d.image();
        }
    }

    private static double meanDifference(Mat x, Mat y) {
        try (Mat diff = new Mat()) {
            opencv_core.absdiff(x, y, diff);
            return opencv_core.mean(diff).get(0);
        }
    }
}
