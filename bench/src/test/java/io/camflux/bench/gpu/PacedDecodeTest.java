package io.camflux.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.config.VideoDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decode bench's paced mode delivers a clip at its own frame rate, where the unpaced mode goes as fast as it can. */
class PacedDecodeTest {
    @Test
    void pacedStreamsDecodeAtTheClipsRateAndUnpacedOnesFaster() throws Exception {
        Path clip = Path.of("..").toAbsolutePath().normalize().resolve(".cache/media/cam1.mp4"); // 10 fps
        assertTrue(Files.isRegularFile(clip), clip + ": run scripts/prepare-media.sh");
        DecodeBench.Ceiling paced = DecodeBench.measure(clip, List.of(VideoDecoder.CPU, VideoDecoder.CPU), 2, 4, true,
                io.camflux.engine.config.DecodeConfig.DEFAULTS);
        DecodeBench.Ceiling free = DecodeBench.measure(clip, List.of(VideoDecoder.CPU, VideoDecoder.CPU), 2, 4, false,
                io.camflux.engine.config.DecodeConfig.DEFAULTS);
        assertEquals(2, paced.perStream().length);
        for (double fps : paced.perStream()) {
            assertTrue(fps > 0.9 * 10 && fps < 1.1 * 10, "paced stream at " + fps + " fps, the clip has 10");
        }
        assertTrue(paced.pacedColumns().contains("2 of 2"), paced.pacedColumns());
        assertTrue(free.framesPerSecond() > 2 * paced.framesPerSecond(),
                "unpaced " + free.framesPerSecond() + " vs paced " + paced.framesPerSecond());
        assertEquals("", free.pacedColumns(), "no paced columns without pacing");
    }
}
