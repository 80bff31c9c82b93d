package io.camflux.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.camflux.model.DetectorSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {
    private static DetectorSettings detectorSettings(LoadOptions o) {
        return DetectorSettings.defaults().withInstances(o.instances());
    }

    @Test
    void defaultsMakeAValidDetectorAndInstancesAreParsed() {
        LoadOptions defaults = LoadOptions.parse(new String[0]);
        assertEquals(DetectorSettings.DEFAULT_INSTANCES, detectorSettings(defaults).instances());
        LoadOptions three = LoadOptions.parse(new String[] {"--cameras", "16", "--instances", "3"});
        assertEquals(3, detectorSettings(three).instances());
        assertEquals(16, three.cameras().get(0));
    }

    @Test
    void decodeTakesTheConfigsNodeIntoTheEnginesConfigAndNamesABadKey() {
        LoadOptions o = LoadOptions.parse(new String[] {"--decode", "{\"nvdec\": {\"frames_per_second\": 1500, \"contexts\": 4}}"});
        var nvdec = o.decode().nvdec();
        assertEquals(List.of(1500.0, 4), List.of(nvdec.framesPerSecond(), nvdec.contexts()));
        assertEquals(o.decode(), EngineLoadRun.config(CameraSet.files(Path.of("c.mp4")), o, 1).decode(),
                "the engine runs with it");
        assertEquals(io.camflux.engine.config.DecodeConfig.DEFAULTS, LoadOptions.parse(new String[0]).decode());
        var e = assertThrows(io.camflux.engine.config.ConfigException.class,
                () -> LoadOptions.parse(new String[] {"--decode", "{\"nvdec\": {\"contexts\": 0}}"}));
        assertEquals(List.of("decode.nvdec.contexts: must be >= 1, got 0"), e.problems());
        LoadOptions compare = LoadOptions.parse(new String[] {"--compare-decode", "{\"key_frames_only\": \"never\"}",
                "--gop", "1"});
        assertEquals(io.camflux.engine.config.DecodeConfig.KeyFrames.NEVER,
                compare.withDecodeJson(compare.compareDecodeJson()).decode().keyFrames(), "the compared runs' engine");
        assertEquals(io.camflux.engine.config.DecodeConfig.KeyFrames.AUTO, compare.decode().keyFrames());
        assertEquals(1, compare.gopSeconds());
        assertThrows(io.camflux.engine.config.ConfigException.class,
                () -> LoadOptions.parse(new String[] {"--compare-decode", "{\"key_frames_only\": 1}"}));
    }

    @Test
    void twoModelsAlternateTheCamerasBetweenTheDefaultAndASmallerInput() {
        LoadOptions o = LoadOptions.parse(new String[] {"--models", "2", "--cameras", "3"});
        var config = EngineLoadRun.config(CameraSet.files(Path.of("c.mp4")), o, 3);
        assertEquals(List.of("default", "small", "default"), config.sources().stream().map(s -> s.model()).toList());
        assertEquals(List.of(320, 320), List.of(config.models().get("small").inputWidth(),
                config.models().get("small").inputHeight()));
        assertEquals(List.of("default"), EngineLoadRun.config(CameraSet.files(Path.of("c.mp4")),
                LoadOptions.parse(new String[0]), 1).modelNames().stream().toList(), "one model unless asked");
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(new String[] {"--models", "3"}));
    }

    @Test
    void churnIsARateAndRunsEachNWithoutItFirst() {
        LoadOptions o = LoadOptions.parse(new String[] {"--cameras", "16", "--churn", "20"});
        assertEquals(20, o.churnPerMinute());
        assertEquals(0, o.withChurn(0).churnPerMinute());
        assertEquals(0, LoadOptions.parse(new String[0]).churnPerMinute(), "off unless asked for");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse(new String[] {"--churn", "0"}));
        assertEquals("--churn must be > 0 changes a minute", e.getMessage());
    }

    @Test
    void staggerSpreadsTheCamerasStartsAndIsOffUnlessAskedFor() {
        assertEquals(java.time.Duration.ofSeconds(1), LoadOptions.parse(new String[] {"--stagger", "1s"}).stagger());
        assertEquals(java.time.Duration.ZERO, LoadOptions.parse(new String[0]).stagger());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(new String[] {"--stagger", "soon"}));
    }

    @Test
    void aBadValueNamesTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse(new String[] {"--instances", "0"}));
        assertEquals("--instances must be >= 1", e.getMessage());
    }

    @Test
    void gpuHostOptionsAreParsedAndBadOnesNameTheOption() {
        LoadOptions o = LoadOptions.parse(new String[] {"--source", "files", "--clip", "c.mp4", "--provider", "cuda",
                "--decoder", "nvdec", "--shapes", "max", "--cuda-option", "cudnn_conv_algo_search=HEURISTIC",
                "--ceilings", "--no-baseline", "--cameras", "64"});
        assertEquals("files", o.source());
        assertEquals(java.nio.file.Path.of("c.mp4"), o.clip());
        assertEquals(io.camflux.model.ExecutionProvider.CUDA, o.provider());
        assertEquals(io.camflux.engine.config.VideoDecoder.NVDEC, o.decoder());
        assertEquals(io.camflux.model.BatchShapes.Policy.MAX, o.shapes());
        assertEquals(java.util.Map.of("cudnn_conv_algo_search", "HEURISTIC"), o.cudaOptions());
        assertEquals(true, o.ceilings());
        assertEquals(false, o.baseline());
        assertEquals("load-64cam-720p-busy-motion-files", o.name());
        assertEquals("--shapes must be auto, exact or max, got 'pow2'", assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse(new String[] {"--shapes", "pow2"})).getMessage());
        assertEquals("--source must be rtsp or files", assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse(new String[] {"--source", "http"})).getMessage());
        assertEquals("--cuda-option needs KEY=VALUE", assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse(new String[] {"--cuda-option", "x"})).getMessage());
    }
}
