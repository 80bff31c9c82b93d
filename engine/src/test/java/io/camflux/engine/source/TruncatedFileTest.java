package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraStatus;
import io.camflux.engine.testing.Await;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/** A file cut short (its index says 20 s, its data ends near 8 s) says so instead of looping its first seconds. */
class TruncatedFileTest {
    @TempDir
    Path dir;

    @Test
    void aTruncatedFileIsADecodeErrorNamingWhereItEnds() throws Exception {
        Path whole = dir.resolve("whole.mp4");
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-loglevel", "error", "-y", "-i",
                TestAssets.media("cam1.mp4").toString(), "-c", "copy", "-movflags", "+faststart", whole.toString())
                .redirectErrorStream(true).start();
        String out = new String(ffmpeg.getInputStream().readAllBytes());
        assertEquals(0, ffmpeg.waitFor(), out);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(bytes, (int) (bytes.length * 0.4)));

        var source = TestConfigs.file("cut", cut.toString(), true, false);
        List<CameraStatus> statuses = new CopyOnWriteArrayList<>();
        try (CamFlux engine = CamFlux.builder(TestConfigs.shard(6, 4, List.of(source)))
                .detector(FakeDetectors.fixedCost(0)).build()) {
            Disposable s = engine.statuses().subscribe(statuses::add);
            Disposable d = engine.detections().subscribe();
            Await.until(() -> statuses.stream().anyMatch(CameraStatus::isError), 20, "an error event");
            d.dispose();
            s.dispose();
        }
        CameraStatus error = statuses.stream().filter(CameraStatus::isError).findFirst().orElseThrow();
        assertEquals(StreamError.DECODE_ERROR, error.errorCode());
        assertTrue(error.detail().contains("truncated") && error.detail().contains("of the 20.0 s its header declares"),
                error.detail());
        assertTrue(error.retryInMs() > 0, "retried with backoff");
    }
}
