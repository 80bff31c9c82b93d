package io.camflux.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.model.BatchShapes;
import io.camflux.model.ExecutionProvider;
import io.camflux.model.ModelFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static final String SEED = """
            {
              "runner_id": "runner-test-001", "shard_id": "shard-0", "max_fps": 6,
              "sources": [{"camera_uuid": "cam-001", "url": "rtsp://127.0.0.1:8554/camera_001",
                           "site_id": "site-A", "tenant_id": "tenant-01"}],
              "amqp": {"host": "localhost", "ex_status": "status.topic", "ex_detect": "detections.topic"},
              "cp": {"base_url": "http://localhost:8000/api", "token": "..."},
              "telemetry": {"report_interval_seconds": 5},
              "motion_config": {"enabled": true, "pixel_threshold": 150, "sensitivity": 25, "cooldown_seconds": 0.5}
            }""";

    private static ConfigException problem(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(json, "test.json", null));
    }

    private static String withSources(String sources) {
        return "{\"max_fps\": 6, \"sources\": [" + sources + "]}";
    }

    @Test
    void aByteOrderMarkBeforeTheJsonIsAccepted() throws Exception {
        Path file = dir.resolve("bom.json");
        Files.write(file, ("\uFEFF" + SEED).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("runner-test-001", ConfigLoader.load(file).runnerId());
    }

    @Test
    void readsTheSeedFormat() {
        ShardConfig c = ConfigLoader.parse(SEED, "seed.json", null);
        assertEquals("runner-test-001", c.runnerId());
        assertEquals("shard-0", c.shardId());
        assertEquals(6.0, c.maxFps());
        SourceConfig s = c.sources().get(0);
        assertEquals("cam-001", s.cameraUuid());
        assertEquals("site-A", s.siteId());
        assertEquals("tenant-01", s.tenantId());
        assertEquals("tcp", s.rtspTransport());
        assertTrue(s.isNetwork());
        assertEquals("localhost", c.amqp().host());
        assertEquals("detections.topic", c.amqp().exDetect());
        assertEquals(Duration.ofSeconds(5), c.reportInterval());
        assertTrue(c.motion().enabled());
        assertEquals(MotionConfig.defaults(true), c.motion(), "the seed's values; the rest default to the seed's");
        assertEquals("yolox_nano", c.model().path());
        assertEquals(8, c.batch().maxSize());
    }

    @Test
    void readsNewKeys() throws Exception {
        Path clip = Files.write(dir.resolve("clip.mp4"), new byte[] {0});
        Path labels = Files.writeString(dir.resolve("labels.txt"), "a\nb\n");
        Path configFile = Files.writeString(dir.resolve("c.json"), """
                {"max_fps": 2.5,
                 "sources": [{"camera_uuid": "f", "url": "clip.mp4", "loop": true, "realtime": false},
                             {"camera_uuid": "u", "url": "rtsps://user:pw@cam.example/live", "rtsp_transport": "udp",
                              "timeout_ms": 3000}],
                 "model": {"path": "yolox_nano", "provider": "cuda", "device_id": 1, "confidence": 0.5, "iou": 0.6,
                           "classes": ["person", "car"], "format": "yolox", "labels": "labels.txt", "threads": 2},
                 "batch": {"max_size": 16, "max_wait_ms": 20},
                 "reconnect": {"initial_ms": 100, "max_ms": 5000, "jitter": 0.1, "max_attempts": 3}}""");
        ShardConfig c = ConfigLoader.load(configFile);
        SourceConfig file = c.sources().get(0);
        assertEquals(clip.toString(), file.location(), "relative to the config's folder");
        assertTrue(file.isFile() && file.loop() && !file.realtime());
        SourceConfig udp = c.sources().get(1);
        assertEquals("udp", udp.rtspTransport());
        assertEquals(Duration.ofSeconds(3), udp.timeout());
        assertEquals("rtsps://***@cam.example/live", udp.redactedUrl());
        assertNull(c.amqp(), "no amqp block: stdout");
        ModelConfig m = c.model();
        assertEquals(ExecutionProvider.CUDA, m.provider());
        assertEquals(1, m.deviceId());
        assertEquals(Set.of("person", "car"), m.classes());
        assertEquals(ModelFormat.YOLOX, m.format());
        assertEquals(labels, m.labels());
        assertEquals(new BatchConfig(16, Duration.ofMillis(20)), c.batch());
        assertEquals(3, c.reconnect().maxAttempts());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing url | {\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"},{\"camera_uuid\":\"b\",\"url\":\"rtsp://h/2\"},{\"camera_uuid\":\"c\"} | sources[2].url: missing",
        "missing camera | {\"url\":\"rtsp://h/1\"} | sources[0].camera_uuid: missing",
        "duplicate camera | {\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"},{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/2\"} | sources[1].camera_uuid: duplicate camera_uuid 'a'",
        "unknown scheme | {\"camera_uuid\":\"a\",\"url\":\"http://h/x.mjpg\"} | sources[0].url: unsupported scheme 'http'",
        "missing file | {\"camera_uuid\":\"a\",\"url\":\"/no/such/clip.mp4\"} | sources[0].url: file not found",
        "bad transport | {\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"rtsp_transport\":\"sctp\"} | sources[0].rtsp_transport: must be tcp or udp",
        "wrong type | {\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"loop\":\"yes\"} | sources[0].loop: must be true or false",
        "no host | {\"camera_uuid\":\"a\",\"url\":\"rtsp:///path\"} | sources[0].url: has no host",
    })
    void sourceProblemsNameTheirPath(String name, String sources, String expected) {
        ConfigException e = problem(withSources(sources));
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "max_fps zero | {\"max_fps\": 0, \"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}]} | max_fps: must be > 0",
        "max_fps negative | {\"max_fps\": -2, \"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}]} | max_fps: must be > 0",
        "max_fps absurd | {\"max_fps\": 1e308, \"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}]} | max_fps: must be > 0 and at most 1000, got 1.0E308",
        "max_fps string | {\"max_fps\": \"six\", \"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}]} | max_fps: must be a number",
        "no sources | {\"max_fps\": 6} | sources: missing",
        "empty sources | {\"sources\": []} | sources: must not be empty",
        "batch size | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"batch\": {\"max_size\": 0}} | batch.max_size: must be 1..1024",
        "provider | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"model\": {\"provider\": \"tpu\"}} | model.provider: unknown execution provider 'tpu'",
        "model file | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"model\": {\"path\": \"/no/model.onnx\"}} | model.path: neither a readable model file",
        "confidence | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"model\": {\"confidence\": 1.5}} | model.confidence: must be between 0 and 1",
        "amqp host | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"amqp\": {\"port\": 5672}} | amqp.host: missing",
        "amqp port | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"amqp\": {\"host\": \"h\", \"port\": 99999}} | amqp.port: must be 1..65535",
        "amqp unknown key | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"amqp\": {\"hots\": \"h\", \"host\": \"h\"}} | amqp.hots: unknown key",
        "amqp port type | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"amqp\": {\"host\": \"h\", \"port\": \"5672\"}} | amqp.port: must be an integer",
        "amqp not object | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"amqp\": \"localhost\"} | amqp: must be an object",
        "amqp buffer | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"amqp\": {\"host\": \"h\", \"buffer_size\": 0}} | amqp.buffer_size: must be >= 1",
        "http port | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"http\": {\"port\": 70000}} | http.port: must be 0..65535",
        "reconnect | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"reconnect\": {\"initial_ms\": 500, \"max_ms\": 100}} | reconnect.max_ms: must be >= initial_ms",
        "not an object | [1, 2] | the config must be a JSON object",
        "blur even | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"motion_config\": {\"blur_size\": 20}} | motion_config.blur_size: must be a positive odd number",
        "blur negative | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"motion_config\": {\"blur_size\": -3}} | motion_config.blur_size: must be a positive odd number",
        "motion negative | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"motion_config\": {\"min_area\": -1}} | motion_config.min_area: must be >= 0",
        "motion unknown key | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"motion_config\": {\"sensitivty\": 20}} | motion_config.sensitivty: unknown key",
        "sensitivity | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"motion_config\": {\"sensitivity\": 300}} | motion_config.sensitivity: must be 0..255",
        "working width | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\"}], \"motion_config\": {\"working_width\": 8}} | motion_config.working_width: must be >= 32",
        "mask points | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"motion_mask\": [[[0,0],[5,5]]]}]} | sources[0].motion_mask[0]: must be an array of at least 3",
        "mask negative | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"motion_mask\": [[[0,0],[5,-5],[9,9]]]}]} | sources[0].motion_mask[0][1]: must be [x, y] with 0 <= x, y <= 32768",
        "mask infinite | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"motion_mask\": [[[0,0],[5,1e999],[9,9]]]}]} | sources[0].motion_mask[0][1]: must be [x, y] with 0 <= x, y <= 32768",
        "mask beyond a picture | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"motion_mask\": [[[0,0],[50000,5],[9,9]]]}]} | sources[0].motion_mask[0][1]: must be [x, y] with 0 <= x, y <= 32768",
        "mask on a line | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"motion_mask\": [[[0,0],[5,5],[9,9]]]}]} | sources[0].motion_mask[0]: encloses no area (its points lie on one line)",
        "mask crossed | {\"sources\": [{\"camera_uuid\":\"a\",\"url\":\"rtsp://h/1\",\"motion_mask\": [[[0,0],[10,10],[10,0],[0,10]]]}]} | sources[0].motion_mask[0]: crosses itself (the edge from point 0 and the edge from point 2)",
    })
    void topLevelProblemsNameTheirPath(String name, String json, String expected) {
        ConfigException e = problem(json);
        assertTrue(e.getMessage().contains(expected.strip()), e.getMessage());
    }

    @Test
    void maxSourcesBoundsTheSetAndDefaultsTo256() {
        String two = "[{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\"},"
                + " {\"camera_uuid\": \"b\", \"url\": \"rtsp://127.0.0.1:8554/b\"}]";
        assertEquals(256, ConfigLoader.parse("{\"sources\": " + two + "}", "d.json", null).maxSources());
        assertEquals(2, ConfigLoader.parse("{\"max_sources\": 2, \"sources\": " + two + "}", "d.json", null).maxSources());
        ConfigException over = problem("{\"max_sources\": 1, \"sources\": " + two + "}");
        assertEquals(List.of("sources: 2 cameras, more than max_sources (1)"), over.problems());
        ConfigException zero = problem("{\"max_sources\": 0, \"sources\": " + two + "}");
        assertEquals(List.of("max_sources: must be >= 1, got 0"), zero.problems());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = problem("{\"max_fps\": 0, \"sources\": [{\"camera_uuid\": \"a\"}]}");
        assertEquals(2, e.problems().size(), e.getMessage());
    }

    @Test
    void malformedJsonGivesLineAndColumn() {
        ConfigException e = problem("{\n  \"max_fps\": 6,\n  \"sources\": [,]\n}");
        assertTrue(e.getMessage().contains("line 3, column"), e.getMessage());
    }

    @Test
    void unreadableFileIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("absent.json")));
        assertTrue(e.getMessage().contains("cannot read the file"), e.getMessage());
    }

    @Test
    void gpuKeysDecoderPerSourceOverGlobalCudaOptionsAndPrepareThreads() {
        ShardConfig c = ConfigLoader.parse("""
                {"decoder": "nvdec",
                 "sources": [{"camera_uuid": "a", "url": "rtsp://127.0.0.1:8554/a"},
                             {"camera_uuid": "b", "url": "rtsp://127.0.0.1:8554/b", "decoder": "cpu"}],
                 "model": {"fused_graph": false, "cuda_options": {"cudnn_conv_algo_search": "HEURISTIC", "prefer_nhwc": 1},
                           "instances": 3},
                 "batch": {"prepare_threads": 3, "shapes": "max"}}""", "gpu.json", null);
        assertEquals(VideoDecoder.NVDEC, c.sources().get(0).decoder());
        assertEquals(VideoDecoder.CPU, c.sources().get(1).decoder());
        assertFalse(c.model().fusedGraph());
        assertEquals(java.util.Map.of("cudnn_conv_algo_search", "HEURISTIC", "prefer_nhwc", "1"), c.model().cudaOptions());
        assertEquals(3, c.batch().prepareThreads());
        assertEquals(new BatchShapes(BatchShapes.Policy.MAX, 8), c.batch().batchShapes());
        assertEquals(3, c.model().instances());
        assertEquals(3, c.model().detectorSettings(c.batch()).instances());
        ShardConfig defaults = ConfigLoader.parse(withSources("{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\"}"), "d.json", null);
        assertEquals(VideoDecoder.AUTO, defaults.sources().get(0).decoder());
        assertTrue(defaults.model().fusedGraph());
        assertTrue(defaults.batch().prepareThreads() >= 1);
        assertEquals(2, defaults.model().instances());
        assertEquals(BatchShapes.Policy.AUTO, defaults.batch().shapes());
    }

    @Test
    void badGpuKeysNameTheKeyAndTheProblem() {
        ConfigException e = problem("""
                {"decoder": "gpu", "sources": [{"camera_uuid": "a", "url": "rtsp://127.0.0.1:8554/a", "decoder": 7}],
                 "model": {"cuda_options": {"enable_cuda_graph": "1", "arena": {"x": 1}}, "instances": 12},
                 "batch": {"prepare_threads": 0, "shapes": "pow2"}}""");
        String m = e.getMessage();
        assertTrue(m.contains("decoder: must be auto, cpu or nvdec, got 'gpu'"), m);
        assertTrue(m.contains("sources[0].decoder"), m);
        assertTrue(m.contains("model.cuda_options.enable_cuda_graph: not supported"), m);
        assertTrue(m.contains("model.cuda_options.arena: must be a string, number or boolean"), m);
        assertTrue(m.contains("batch.prepare_threads"), m);
        assertTrue(m.contains("batch.shapes: must be auto, exact or max, got 'pow2'"), m);
        assertTrue(m.contains("model.instances: must be between 1 and 8, got 12"), m);
    }

    @Test
    void theDecodeNodeSetsNvdecAndOpenCvAndDefaultsWhenLeftOut() {
        ShardConfig c = ConfigLoader.parse(withSources("{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\"}")
                .replaceFirst("\\{", "{\"decode\": {\"opencv_threads\": 0, \"nvdec\": {\"device\": 1, \"contexts\": 4,"
                        + " \"primary_context\": true, \"frames_per_second\": 1500, \"decoder\": \"hwaccel\","
                        + " \"resize\": false, \"hevc_frame_cost\": 0.5, \"shared_key_frame_decoders\": 0},"
                        + " \"key_frames_only\": \"never\"},"), "d.json", null);
        assertEquals(new DecodeConfig(0, new DecodeConfig.Nvdec(1, 4, true, 1500, DecodeConfig.Decoder.HWACCEL, false,
                0.5, 0), DecodeConfig.KeyFrames.NEVER), c.decode());
        ShardConfig defaults = ConfigLoader.parse(withSources("{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\"}"),
                "d.json", null);
        assertEquals(DecodeConfig.DEFAULTS, defaults.decode());
        assertEquals(new DecodeConfig.Nvdec(0, 2, false, 3000, DecodeConfig.Decoder.CUVID, true, 0.6, 16),
                defaults.decode().nvdec(), "two contexts of NVDEC's own, 3,000 1080p frames a second, CUVID scaling, an"
                        + " HEVC frame 0.6 of an H.264 one, up to 16 decoders shared by key-frame cameras of a size");
        assertEquals(1, defaults.decode().opencvThreads());
        assertEquals(DecodeConfig.KeyFrames.AUTO, defaults.decode().keyFrames(), "key frames only where enough");
    }

    @Test
    void badDecodeKeysNameTheKeyAndTheProblem() {
        ConfigException e = problem(withSources("{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\"}")
                .replaceFirst("\\{", "{\"decode\": {\"opencv_threads\": -1, \"nvdec\": {\"device\": \"gpu0\","
                        + " \"contexts\": 0, \"frames_per_second\": -5, \"decoder\": \"nvcuvid\", \"resize\": \"yes\","
                        + " \"hevc_frame_cost\": 0, \"shared_key_frame_decoders\": 65, \"buget\": 3},"
                        + " \"key_frames_only\": \"always\"},"));
        List<String> expected = List.of("decode.opencv_threads: must be >= 0, got -1",
                "decode.nvdec.device: must be an integer, got string \"gpu0\"",
                "decode.nvdec.contexts: must be >= 1, got 0",
                "decode.nvdec.frames_per_second: must be a finite number >= 0 (0: no camera on NVDEC), got -5.0",
                "decode.nvdec.decoder: must be cuvid, hwaccel or direct, got 'nvcuvid'",
                "decode.nvdec.resize: must be true or false, got string \"yes\"",
                "decode.nvdec.hevc_frame_cost: must be > 0 and at most 4 (H.264 frames of its size), got 0.0",
                "decode.nvdec.shared_key_frame_decoders: must be <= 64 (decoders per codec and picture size; 0: none"
                        + " shared), got 65",
                "decode.key_frames_only: must be auto or never, got 'always'");
        for (String problem : expected) {
            assertTrue(e.problems().contains(problem), problem + " in " + e.problems());
        }
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("decode.nvdec.buget: unknown key")), e.getMessage());
        ConfigException alone = assertThrows(ConfigException.class,
                () -> ConfigLoader.parseDecode("{\"nvdec\": {\"contexts\": 0}}"));
        assertEquals(List.of("decode.nvdec.contexts: must be >= 1, got 0"), alone.problems(), "the bench's --decode");
    }

    @Test
    void aCpBlockWithoutSourcesTakesTheShardFromLeases() {
        ShardConfig c = ConfigLoader.parse("""
                {"runner_id": "w-1", "max_sources": 32,
                 "cp": {"base_url": "https://cp.example.com/api/", "max_cameras": 16, "timeout_ms": 3000}}""",
                "fleet.json", null);
        assertEquals("https://cp.example.com/api", c.cp().baseUrl().toString(), "the trailing slash dropped");
        assertEquals(16, c.cp().maxCameras());
        assertEquals(Duration.ofSeconds(3), c.cp().requestTimeout());
        assertEquals(Duration.ofSeconds(2), c.cp().acquireInterval());
        assertNull(c.cp().inlineToken());
        assertEquals(List.of(), c.sources());
        assertEquals("env-token", c.cp().token("env-token"), "the environment's token first");
    }

    @Test
    void theSeedsCpBlockBesideSourcesKeepsTheFilesShard() {
        ShardConfig c = ConfigLoader.parse(SEED, "seed.json", null);
        assertNull(c.cp(), "the seed's shard is its file's");
        assertEquals(1, c.sources().size());
    }

    @Test
    void aBrokenCpBlockNamesEachKey() {
        ConfigException e = problem("""
                {"max_sources": 8, "cp": {"base_url": "ftp://cp", "max_cameras": 9, "acquire_interval_ms": 5000,
                 "acquire_max_interval_ms": 1000, "tokn": "x"}}""");
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("cp.base_url: must be an http:// or https:// URL"), all);
        assertTrue(all.contains("cp.max_cameras: 9 is more than max_sources (8)"), all);
        assertTrue(all.contains("cp.acquire_max_interval_ms: must be >= acquire_interval_ms"), all);
        assertTrue(all.contains("cp.tokn"), all);
        assertTrue(problem("{\"cp\": {}}").problems().contains("cp.base_url: missing"));
    }

    @Test
    void namedModelsArePickedBySourcesAndCheckedByName() throws Exception {
        ShardConfig c = ConfigLoader.parse("""
                {"max_fps": 6, "batch": {"max_size": 8},
                 "model": {"confidence": 0.5},
                 "models": {"gate": {"path": "yolox_nano", "input_size": [320, 256], "classes": ["car"],
                                     "batch": {"max_size": 2, "max_wait_ms": 20}},
                            "lobby": {"path": "yolox_nano", "input_size": 640}},
                 "sources": [{"camera_uuid": "a", "url": "rtsp://127.0.0.1/a", "model": "gate"},
                             {"camera_uuid": "b", "url": "rtsp://127.0.0.1/b"}]}""", "m.json", null);
        assertEquals(List.of("default", "gate", "lobby"), List.copyOf(c.modelNames()));
        assertEquals("gate", c.sources().get(0).model());
        assertEquals("default", c.sources().get(1).model());
        assertEquals(0.5f, c.model().confidence());
        ModelConfig gate = c.models().get("gate");
        assertEquals(320, gate.inputWidth());
        assertEquals(256, gate.inputHeight());
        assertEquals(2, gate.batch(c.batch()).maxSize());
        assertEquals(2, gate.detectorSettings(c.batch()).batchShapes().maxBatch());
        assertEquals(8, c.models().get("lobby").batch(c.batch()).maxSize(), "the config's batch where none is its own");
        assertEquals(640, c.models().get("lobby").detectorSettings(c.batch()).inputWidth());

        List<String> p = problem("""
                {"max_fps": 6, "model": {}, "models": {"default": {}, "bad name": {}, "odd": {"input_size": 300},
                 "worse": {"input_size": "big"}, "typo": {"pth": "x"}, "scalar": 3},
                 "sources": [{"camera_uuid": "a", "url": "rtsp://127.0.0.1/a", "model": "nope"}]}""").problems();
        String all = String.join("\n", p);
        assertTrue(all.contains("models.default: the default model is the config's model"), all);
        assertTrue(all.contains("models.bad name: a model's name is 1 to 64 of"), all);
        assertTrue(all.contains("models.odd.input_size: width and height must be multiples of 32 from 32 to 4096,"
                + " got 300x300"), all);
        assertTrue(all.contains("models.worse.input_size: must be an integer or [width, height], got string"), all);
        assertTrue(all.contains("models.typo.pth: unknown key"), all);
        assertTrue(all.contains("models.scalar: must be an object, got number"), all);
        assertTrue(all.contains("sources[0].model: no model named 'nope' (this worker has: default, "), all);
        ShardConfig onlyNamedDefault = ConfigLoader.parse("""
                {"max_fps": 6, "models": {"default": {"confidence": 0.6}},
                 "sources": [{"camera_uuid": "a", "url": "rtsp://127.0.0.1/a"}]}""", "d.json", null);
        assertEquals(0.6f, onlyNamedDefault.model().confidence(), "models.default is the model when model is absent");
    }

    @Test
    void theShippedConfigsLoad() throws Exception {
        io.camflux.model.TestAssets.media("cam1.mp4"); // their clips are the prepared media
        try (var configs = java.nio.file.Files.list(io.camflux.model.TestAssets.root().resolve("configs"))) {
            List<java.nio.file.Path> files = configs.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertTrue(files.size() >= 2, files.toString());
            for (java.nio.file.Path f : files) {
                assertFalse(ConfigLoader.load(f).sources().isEmpty(), f.toString());
            }
        }
        ShardConfig two = ConfigLoader.load(io.camflux.model.TestAssets.root().resolve("configs/two-models.json"));
        assertEquals(java.util.Set.of("people", "vehicles"),
                two.sources().stream().map(SourceConfig::model).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void aLeasedShardOrAnAdminSourceMayOnlyNameTheWorkersModels() throws Exception {
        var shard = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"sources": [{"camera_uuid": "c-1", "url": "rtsp://h/1", "model": "gate"},
                             {"camera_uuid": "c-2", "url": "rtsp://h/2", "model": "lobby"}], "max_fps": 2}""");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseLeasedShard(shard,
                new ShardRules(8, List.of(), false, new java.util.LinkedHashSet<>(List.of("default", "gate")))));
        assertEquals(List.of("shard.sources[1].model: no model named 'lobby' (this worker has: default, gate)"),
                e.problems());
        assertEquals("gate", ConfigLoader.parseLeasedShard(shard, new ShardRules(8, List.of(), false,
                java.util.Set.of("default", "gate", "lobby"))).sources().get(0).model());
        ConfigException admin = assertThrows(ConfigException.class, () -> ConfigLoader.parseSource(
                "{\"url\": \"rtsp://h/1\", \"model\": \"lobby\"}", "c-1", VideoDecoder.AUTO, null, false,
                java.util.Set.of("default")));
        assertEquals(List.of("model: no model named 'lobby' (this worker has: default)"), admin.problems());
    }

    @Test
    void aLeasedShardIsValidatedWithPathsFromShard() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"sources": [{"camera_uuid": "c-1", "url": "rtsp://h/1"}, {"camera_uuid": "c-1", "url": "rtsp://h/2"},
                             {"url": "rtsp://h/3"}], "max_fps": 0}""");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseLeasedShard(json, new ShardRules(8, List.of(), false)));
        assertTrue(e.problems().contains("shard.sources[1].camera_uuid: duplicate camera_uuid 'c-1'"), e.problems().toString());
        assertTrue(e.problems().contains("shard.sources[2].camera_uuid: missing"), e.problems().toString());
        assertTrue(e.problems().contains("shard.max_fps: must be > 0 and at most 1000, got 0.0"), e.problems().toString());
        LeasedShard ok = ConfigLoader.parseLeasedShard(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"sources\": [], \"max_fps\": 4}"), new ShardRules(8, List.of(), false));
        assertEquals(List.of(), ok.sources());
        assertEquals(4.0, ok.maxFps());
        assertNull(ok.motion(), "the worker's own motion settings stay");
    }

    @Test
    void idsAreRoutingKeyWordsAndEveryBadOneIsNamed() {
        String longId = "c".repeat(65);
        ConfigException e = problem(withSources("""
                {"camera_uuid": "cam.1", "url": "rtsp://h/1"},
                {"camera_uuid": "cam-2", "url": "rtsp://h/2", "tenant_id": "t*", "site_id": "site A"},
                {"camera_uuid": "%s", "url": "rtsp://h/3", "site_id": "#"},
                {"camera_uuid": "Cam_4-ok", "url": "rtsp://h/4", "tenant_id": "T-1", "site_id": "s_2"}""".formatted(longId)));
        List<String> p = e.problems();
        assertTrue(p.contains("sources[0].camera_uuid: 'cam.1' is not a valid id: " + SourceConfig.ID_RULE), p.toString());
        assertTrue(p.stream().anyMatch(x -> x.startsWith("sources[1].tenant_id: 't*'")), p.toString());
        assertTrue(p.stream().anyMatch(x -> x.startsWith("sources[1].site_id: 'site A'")), p.toString());
        assertTrue(p.stream().anyMatch(x -> x.startsWith("sources[2].camera_uuid: '" + longId + "'")), p.toString());
        assertTrue(p.stream().anyMatch(x -> x.startsWith("sources[2].site_id: '#'")), p.toString());
        assertEquals(5, p.size(), "the valid fourth source has no problem: " + p);
        String key = "stream.status." + "t".repeat(64) + "." + "s".repeat(64) + "." + "c".repeat(64);
        assertTrue(key.length() <= 255, "the longest ids keep the longest routing key within AMQP's 255 bytes");
    }

    @Test
    void trackingIsOffByDefaultAndItsKeysAreCheckedByName() throws Exception {
        String one = "[{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\"}]";
        assertEquals(TrackingConfig.OFF, ConfigLoader.parse("{\"sources\": " + one + "}", "t.json", null).tracking());
        TrackingConfig on = ConfigLoader.parse("{\"tracking\": {\"max_lost_seconds\": 3, \"min_hits\": 3},"
                + " \"sources\": " + one + "}", "t.json", null).tracking();
        assertEquals(new TrackingConfig(true, 3, 3, 0.5, 0.1), on, "present means enabled");
        ConfigException bad = problem("{\"tracking\": {\"min_hits\": 0, \"low_score\": 0.9, \"max_lost\": 1},"
                + " \"sources\": " + one + "}");
        String message = String.join("\n", bad.problems());
        assertTrue(message.contains("tracking.min_hits: must be >= 1, got 0"), message);
        assertTrue(message.contains("tracking.low_score: must be in (0, high_score], got 0.9"), message);
        assertTrue(message.contains("tracking.max_lost"), "the unknown key is named: " + message);
    }

    @Test
    void zonesLinesAndObjectEventsAreCheckedByNameAndNeedTracking() throws Exception {
        String source = "{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\","
                + " \"zones\": [{\"name\": \"door\", \"polygon\": [[0, 0], [100, 0], [100, 100]], \"classes\": [\"person\"]}],"
                + " \"lines\": [{\"name\": \"gate\", \"from\": [0, 50], \"to\": [200, 50]}]}";
        ShardConfig ok = ConfigLoader.parse("{\"tracking\": {}, \"events\": \"both\", \"sources\": [" + source + "]}",
                "o.json", null);
        assertEquals(TrackingConfig.Events.BOTH, ok.tracking().events());
        assertEquals("door", ok.sources().get(0).scene().zones().get(0).name());
        assertEquals(java.util.Set.of("person"), ok.sources().get(0).scene().zones().get(0).classes());
        assertEquals(0.5, ok.sources().get(0).scene().zones().get(0).minSeconds());
        assertEquals("gate", ok.sources().get(0).scene().lines().get(0).name());

        String without = String.join("\n", problem("{\"events\": \"objects\", \"sources\": [" + source + "]}").problems());
        assertTrue(without.contains("events: 'objects' needs tracking"), without);
        assertTrue(without.contains("sources[0]: zones and lines need tracking"), without);

        String bad = "{\"camera_uuid\": \"a\", \"url\": \"rtsp://127.0.0.1:8554/a\","
                + " \"zones\": [{\"name\": \"a.b\", \"polygon\": [[0, 0], [1, 1]]}],"
                + " \"lines\": [{\"name\": \"gate\", \"from\": [0, 50], \"to\": [0, 50], \"colour\": 1},"
                + " {\"name\": \"gate\", \"from\": [0, 1], \"to\": [-1, 2]}]}";
        String message = String.join("\n", problem("{\"tracking\": {}, \"events\": \"all\", \"sources\": [" + bad + "]}").problems());
        for (String expected : new String[] {"events: must be frames, objects or both, got 'all'",
                "sources[0].zones[0].name: must be 1 to 64", "sources[0].zones[0].polygon: must be an array of at least 3",
                "sources[0].lines[0].to: must differ from from", "sources[0].lines[0].colour",
                "sources[0].lines[1].name: 'gate' names another zone or line", "sources[0].lines[1].to: must be [x, y]"}) {
            assertTrue(message.contains(expected), expected + " in:\n" + message);
        }
    }
}
