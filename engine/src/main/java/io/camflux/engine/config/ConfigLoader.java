package io.camflux.engine.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.model.BatchShapes;
import io.camflux.model.BuiltinModel;
import io.camflux.model.DetectorSettings;
import io.camflux.model.ExecutionProvider;
import io.camflux.model.ModelFormat;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and validates a shard config. Every problem is reported at once, each with its JSON path; relative
 * file paths in the config are resolved against the config file's folder.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigLoader() {
    }

    public static ShardConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read the file: " + e));
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    /** Parses config text; {@code baseDir} resolves relative file paths (null: the working directory). */
    public static ShardConfig parse(String json, String sourceName, Path baseDir) {
        JsonNode root;
        try {
            // editors on Windows save UTF-8 with a byte order mark; it is not part of the JSON
            root = JSON.readTree(json.startsWith("\uFEFF") ? json.substring(1) : json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw new ConfigException(sourceName, List.of("malformed JSON at " + where + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(sourceName, List.of("the config must be a JSON object"));
        }
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        ShardConfig config = new Reader(new JsonFields(root, "", problems, unknown), baseDir, null).shard();
        if (!problems.isEmpty()) {
            throw new ConfigException(sourceName, problems);
        }
        if (!unknown.isEmpty()) {
            log.warn("config {}: ignoring unknown keys {}", sourceName, unknown);
        }
        return config;
    }

    /** {@code json} as one JSON object, or a config error named {@code name}. */
    private static JsonNode jsonObject(String json, String name, String prefix, String notAnObject) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException(name, List.of(prefix + "malformed JSON: " + e.getOriginalMessage()));
        }
        if (node == null || !node.isObject()) {
            throw new ConfigException(name, List.of(notAnObject));
        }
        return node;
    }

    /**
     * A {@code decode} node on its own (the bench's {@code --decode}), validated as in a config file; problems are
     * named from {@code decode.}.
     */
    public static DecodeConfig parseDecode(String json) {
        JsonNode node = jsonObject(json, "decode", "decode: ", "decode: must be an object");
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        DecodeConfig decode = Reader.decode(new JsonFields(node, "decode", problems, unknown));
        if (!problems.isEmpty()) {
            throw new ConfigException("decode", problems);
        }
        return decode;
    }

    /**
     * The {@code shard} of a lease, a renewal or an etcd shard key, validated as the config's keys are; problems are
     * named from {@code shard.}. A local file is refused unless it lies under one of {@code allowedFileRoots} (the
     * worker's {@code allowed_file_roots}): whoever writes shards must not read this host's files through it.
     *
     * @param rules this worker's limits: a larger shard, a file outside its roots, zones without tracking are refused
     */
    public static LeasedShard parseLeasedShard(JsonNode shard, ShardRules rules) {
        if (shard == null || !shard.isObject()) {
            throw new ConfigException("shard", List.of("shard: must be an object"));
        }
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        JsonFields fields = new JsonFields(shard, "shard", problems, unknown);
        LeasedShard parsed = new Reader(fields, null, rules.allowedFileRoots()).leasedShard(rules.maxCameras());
        for (int i = 0; i < parsed.sources().size(); i++) {
            Reader.sceneNeedsTracking(fields, "sources[" + i + "]", parsed.sources().get(i), rules.trackingEnabled());
            Reader.checkModel(fields, "sources[" + i + "].model", parsed.sources().get(i), rules.models());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("shard", problems);
        }
        if (!unknown.isEmpty()) {
            log.warn("the control plane's shard has keys this worker ignores: {}", unknown);
        }
        return parsed;
    }

    /**
     * A shard as {@code camflux shards put} writes it: the keys and checks of {@link #parseLeasedShard}, local files
     * checked on this machine wherever they are (each worker applies its own allowed_file_roots).
     */
    public static LeasedShard checkShard(JsonNode shard) {
        if (shard == null || !shard.isObject()) {
            throw new ConfigException("shard", List.of("a shard must be a JSON object"));
        }
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        LeasedShard parsed = new Reader(new JsonFields(shard, "", problems, unknown), null, null)
                .leasedShard(Integer.MAX_VALUE);
        problems.addAll(unknown.stream().map(k -> k + ": unknown key (a shard has sources, max_fps, motion_config,"
                + " emit_empty)").toList());
        if (!problems.isEmpty()) {
            throw new ConfigException("shard", problems);
        }
        return parsed;
    }

    /**
     * One source as in the config's {@code sources} (the admin API's body), validated the same way; its
     * {@code camera_uuid} is {@code cameraUuid} (given in the body, it must match). Problems are named by key.
     */
    public static SourceConfig parseSource(String json, String cameraUuid, VideoDecoder defaultDecoder, Path baseDir,
                                           boolean trackingEnabled, Set<String> models) {
        JsonNode node = jsonObject(json, "source", "", "a source must be a JSON object");
        com.fasterxml.jackson.databind.node.ObjectNode object = (com.fasterxml.jackson.databind.node.ObjectNode) node;
        if (!object.has("camera_uuid")) {
            object.put("camera_uuid", cameraUuid);
        }
        List<String> problems = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        JsonFields fields = new JsonFields(object, "", problems, unknown);
        SourceConfig source = new Reader(fields, baseDir, null).source(fields, defaultDecoder);
        Reader.sceneNeedsTracking(fields, "zones", source, trackingEnabled);
        Reader.checkModel(fields, "model", source, models);
        if (source.cameraUuid() != null && !source.cameraUuid().equals(cameraUuid)) {
            problems.add("camera_uuid: '" + source.cameraUuid() + "' is not the '" + cameraUuid + "' of the path");
        }
        problems.addAll(unknown.stream().map(k -> k + ": unknown key").toList());
        if (!problems.isEmpty()) {
            throw new ConfigException("source", problems);
        }
        return source;
    }

    /** @param fileRoots null: any local file (the worker's own config); else the folders a leased shard may name */
    private record Reader(JsonFields root, Path baseDir, List<Path> fileRoots) {

        ShardConfig shard() {
            root.knownKeys(Set.of("runner_id", "shard_id", "max_fps", "sources", "amqp", "cp", "telemetry",
                    "motion_config", "model", "batch", "reconnect", "emit_empty", "http", "decoder", "max_sources",
                    "tracking", "events", "coordination", "allowed_file_roots", "decode", "models"));
            String runner = root.string("runner_id", defaultRunnerId());
            String shard = root.string("shard_id", "shard-0");
            double maxFps = maxFps(root);
            VideoDecoder defaultDecoder = decoder(root, VideoDecoder.AUTO);
            boolean leased = root.has("cp") || root.has("coordination");
            List<SourceConfig> sources = leased ? root.optionalObjects("sources", s -> source(s, defaultDecoder))
                    : root.objects("sources", s -> source(s, defaultDecoder));
            int maxSources = root.integer("max_sources", ShardConfig.DEFAULT_MAX_SOURCES);
            if (maxSources < 1) {
                root.problem("max_sources", "must be >= 1, got " + maxSources);
            }
            checkSources(root, sources, maxSources);
            JsonFields telemetry = root.object("telemetry");
            double report = telemetry == null ? 5 : telemetry.number("report_interval_seconds", 5);
            if (telemetry != null) {
                telemetry.knownKeys(Set.of("report_interval_seconds"));
                if (!(report > 0)) {
                    telemetry.problem("report_interval_seconds", "must be > 0, got " + report);
                }
            }
            ControlPlaneConfig cp = controlPlane(root.object("cp"), maxSources);
            if (cp != null && !sources.isEmpty()) {
                // the seed's format: a shard file that also names its control plane; it keeps its meaning
                log.warn("config: cp is ignored because the file has sources; the shard is the file's. Leave"
                        + " sources out to take the shard from the control plane's leases (docs/control-plane.md)");
                cp = null;
            }
            FleetConfig fleet = new FleetConfig(etcd(root, maxSources), fileRoots(root));
            if (fleet.etcd() != null && !sources.isEmpty()) {
                root.problem("sources", "a worker with coordination.etcd takes its cameras from etcd's shards; leave"
                        + " sources out (put shards with: camflux shards put ID FILE)");
            }
            if (fleet.etcd() != null && root.has("cp")) {
                root.problem("cp", "use either cp (an HTTP control plane) or coordination.etcd, not both");
            }
            Map<String, ModelConfig> models = new LinkedHashMap<>();
            root.forEachObject("models", (name, m) -> {
                models.put(name, model(m));
                m.rejectUnknownKeys(); // a new node: a typo in it is an error, not a warning
            });
            ModelConfig defaultModel = models.remove(ShardConfig.DEFAULT_MODEL);
            if (defaultModel != null && root.has("model")) {
                root.problem("models." + ShardConfig.DEFAULT_MODEL, "the default model is the config's model: give"
                        + " it there or here, not both");
            }
            if (defaultModel == null) {
                defaultModel = model(root.object("model"));
            }
            for (String name : models.keySet()) {
                if (!SourceConfig.ID.matcher(name).matches()) {
                    root.problem("models." + name, "a model's name is " + SourceConfig.ID_RULE);
                }
            }
            Set<String> names = new LinkedHashSet<>(List.of(ShardConfig.DEFAULT_MODEL));
            names.addAll(models.keySet());
            for (int i = 0; i < sources.size(); i++) {
                checkModel(root, "sources[" + i + "].model", sources.get(i), names);
            }
            return new ShardConfig(runner, shard, maxFps, sources, amqp(root.object("amqp")),
                    Duration.ofMillis((long) (report * 1000)), motion(root.object("motion_config")),
                    defaultModel, batch(root.object("batch")), reconnect(root.object("reconnect")),
                    root.bool("emit_empty", false), http(root.object("http")), maxSources, cp,
                    tracking(root, sources), fleet, decode(root.object("decode")), models);
        }

        /** A source's {@code model} must be one the worker has. */
        static void checkModel(JsonFields f, String key, SourceConfig source, Set<String> models) {
            String problem = ShardConfig.modelProblem(source.model(), models);
            if (problem != null) {
                f.problem(key, problem);
            }
        }

        /** {@code decode}: host-wide decoding settings. */
        static DecodeConfig decode(JsonFields d) {
            DecodeConfig defaults = DecodeConfig.DEFAULTS;
            if (d == null) {
                return defaults;
            }
            d.knownKeys(Set.of("opencv_threads", "nvdec", "key_frames_only"));
            d.rejectUnknownKeys();
            int opencvThreads = d.integerAtLeast("opencv_threads", defaults.opencvThreads(), 0);
            DecodeConfig.KeyFrames keyFrames = d.parsed("key_frames_only", defaults.keyFrames(),
                    DecodeConfig.KeyFrames::parse);
            JsonFields n = d.object("nvdec");
            if (n == null) {
                return new DecodeConfig(opencvThreads, defaults.nvdec(), keyFrames);
            }
            DecodeConfig.Nvdec nd = defaults.nvdec();
            n.knownKeys(Set.of("device", "contexts", "primary_context", "frames_per_second", "decoder", "resize",
                    "hevc_frame_cost", "shared_key_frame_decoders"));
            n.rejectUnknownKeys();
            int device = n.integerAtLeast("device", nd.device(), 0);
            int contexts = n.integerAtLeast("contexts", nd.contexts(), 1);
            if (contexts > 16) {
                n.problem("contexts", "must be <= 16 (the GPU time-slices between contexts), got " + contexts);
            }
            double budget = n.number("frames_per_second", nd.framesPerSecond());
            if (!(budget >= 0) || Double.isInfinite(budget)) {
                n.problem("frames_per_second", "must be a finite number >= 0 (0: no camera on NVDEC), got " + budget);
            }
            double hevcCost = n.number("hevc_frame_cost", nd.hevcFrameCost());
            if (!(hevcCost > 0 && hevcCost <= 4)) {
                n.problem("hevc_frame_cost", "must be > 0 and at most 4 (H.264 frames of its size), got " + hevcCost);
            }
            int shared = n.integerAtLeast("shared_key_frame_decoders", nd.sharedKeyFrameDecoders(), 0);
            if (shared > 64) {
                n.problem("shared_key_frame_decoders", "must be <= 64 (decoders per codec and picture size; 0: none"
                        + " shared), got " + shared);
            }
            return new DecodeConfig(opencvThreads, new DecodeConfig.Nvdec(device, contexts,
                    n.bool("primary_context", nd.primaryContext()), budget,
                    n.parsed("decoder", nd.decoder(), DecodeConfig.Decoder::parse), n.bool("resize", nd.resize()),
                    hevcCost, shared), keyFrames);
        }

        /** The most frames a second a camera is sampled at: above 0, at most {@link ShardConfig#MAX_FPS}. */
        private static double maxFps(JsonFields f) {
            double maxFps = f.number("max_fps", 6);
            if (!(maxFps > 0) || maxFps > ShardConfig.MAX_FPS) {
                f.problem("max_fps", "must be > 0 and at most " + (int) ShardConfig.MAX_FPS + ", got " + maxFps);
            }
            return maxFps;
        }

        /** {@code coordination: {"etcd": {...}}}, null without it. */
        private EtcdConfig etcd(JsonFields root, int maxSources) {
            JsonFields coordination = root.object("coordination");
            if (coordination == null) {
                return null;
            }
            coordination.knownKeys(Set.of("etcd"));
            coordination.rejectUnknownKeys();
            JsonFields e = coordination.object("etcd");
            if (e == null) {
                coordination.problem("etcd", "missing (the one coordination backend: {\"etcd\": {\"endpoints\": [...]}})");
                return null;
            }
            e.knownKeys(Set.of("endpoints", "prefix", "ttl_seconds", "max_cameras", "timeout_ms", "rescan_interval_ms"));
            e.rejectUnknownKeys();
            List<URI> endpoints = new ArrayList<>();
            List<String> given = e.strings("endpoints");
            if (given.isEmpty()) {
                e.problem("endpoints", "must list at least one etcd client URL, e.g. [\"http://127.0.0.1:2379\"]");
            }
            for (int i = 0; i < given.size(); i++) {
                String text = given.get(i).endsWith("/") ? given.get(i).substring(0, given.get(i).length() - 1)
                        : given.get(i);
                try {
                    URI uri = new URI(text);
                    if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                        e.problem("endpoints[" + i + "]", "must be http://HOST:PORT, got '" + given.get(i) + "'");
                    }
                    endpoints.add(uri);
                } catch (URISyntaxException x) {
                    e.problem("endpoints[" + i + "]", "not a URL: " + x.getMessage());
                }
            }
            String prefix = e.string("prefix", "/camflux");
            if (!prefix.startsWith("/") || prefix.length() < 2 || prefix.endsWith("/") || prefix.contains("//")) {
                e.problem("prefix", "must start with / and not end with one, e.g. /camflux, got '" + prefix + "'");
            }
            int ttl = e.integer("ttl_seconds", 10);
            if (ttl < LeaseLimits.MIN_TTL_SECONDS || ttl > LeaseLimits.MAX_TTL_SECONDS) {
                e.problem("ttl_seconds", "must be " + LeaseLimits.MIN_TTL_SECONDS + ".." + LeaseLimits.MAX_TTL_SECONDS
                        + ", got " + ttl);
            }
            int maxCameras = e.integerAtLeast("max_cameras", maxSources, 1);
            if (maxCameras > maxSources) {
                e.problem("max_cameras", maxCameras + " is more than max_sources (" + maxSources + ")");
            }
            int timeout = e.integerAtLeast("timeout_ms", (int) Math.min(2000, Math.max(1, ttl) * 1000L / 4), 1);
            if (ttl >= LeaseLimits.MIN_TTL_SECONDS && timeout * 2L > ttl * 1000L) {
                e.problem("timeout_ms", timeout + " ms leaves no time for a retry within ttl_seconds (" + ttl
                        + " s): at most half of it");
            }
            int rescan = e.integerAtLeast("rescan_interval_ms", 2000, 50);
            return new EtcdConfig(endpoints, prefix, Duration.ofSeconds(ttl), maxCameras, Duration.ofMillis(timeout),
                    Duration.ofMillis(rescan));
        }

        /** {@code allowed_file_roots}: existing folders, relative to the config file. */
        private List<Path> fileRoots(JsonFields root) {
            List<String> given = root.strings("allowed_file_roots");
            List<Path> roots = new ArrayList<>();
            for (int i = 0; i < given.size(); i++) {
                Path p = baseDir == null ? Path.of(given.get(i)) : baseDir.resolve(given.get(i));
                try {
                    roots.add(p.toRealPath());
                } catch (java.io.IOException x) {
                    root.problem("allowed_file_roots[" + i + "]", "not an existing folder: " + p);
                    continue;
                }
                if (!Files.isDirectory(p)) {
                    root.problem("allowed_file_roots[" + i + "]", "not a folder: " + p);
                }
            }
            return roots;
        }

        private SourceConfig source(JsonFields s, VideoDecoder defaultDecoder) {
            s.knownKeys(Set.of("camera_uuid", "url", "site_id", "tenant_id", "rtsp_transport", "loop", "realtime",
                    "timeout_ms", "name", "motion_mask", "decoder", "zones", "lines", "model"));
            String id = routingWord(s, "camera_uuid", s.requiredString("camera_uuid"));
            String url = s.requiredString("url");
            if (url != null) {
                url = checkUrl(s, url);
            }
            String transport = s.string("rtsp_transport", "tcp").toLowerCase(Locale.ROOT);
            if (!transport.equals("tcp") && !transport.equals("udp")) {
                s.problem("rtsp_transport", "must be tcp or udp, got '" + transport + "'");
            }
            int timeoutMs = s.integer("timeout_ms", 10_000);
            if (timeoutMs <= 0) {
                s.problem("timeout_ms", "must be > 0, got " + timeoutMs);
            }
            return new SourceConfig(id, url, routingWord(s, "site_id", s.string("site_id", "default")),
                    routingWord(s, "tenant_id", s.string("tenant_id", "default")),
                    transport, s.bool("loop", false), s.bool("realtime", true), Duration.ofMillis(timeoutMs),
                    s.polygons("motion_mask"), decoder(s, defaultDecoder), scene(s),
                    routingWord(s, "model", s.string("model", ShardConfig.DEFAULT_MODEL)));
        }

        /** A source's {@code zones} and {@code lines}. */
        private SceneConfig scene(JsonFields s) {
            Set<String> names = new java.util.HashSet<>();
            List<SceneConfig.Zone> zones = s.optionalObjects("zones", z -> {
                z.knownKeys(Set.of("name", "polygon", "classes", "min_seconds"));
                z.rejectUnknownKeys();
                String name = sceneName(z, names);
                double min = z.number("min_seconds", 0.5);
                if (!(min >= 0)) {
                    z.problem("min_seconds", "must be >= 0, got " + min);
                }
                Polygon polygon = z.polygon("polygon");
                return polygon == null ? null : new SceneConfig.Zone(name, polygon, Set.copyOf(z.strings("classes")), min);
            });
            List<SceneConfig.Line> lines = s.optionalObjects("lines", l -> {
                l.knownKeys(Set.of("name", "from", "to", "classes"));
                l.rejectUnknownKeys();
                String name = sceneName(l, names);
                Polygon.Point from = l.point("from"), to = l.point("to");
                if (from != null && from.equals(to)) {
                    l.problem("to", "must differ from from");
                }
                return from == null || to == null ? null
                        : new SceneConfig.Line(name, from, to, Set.copyOf(l.strings("classes")));
            });
            return new SceneConfig(zones.stream().filter(java.util.Objects::nonNull).toList(),
                    lines.stream().filter(java.util.Objects::nonNull).toList());
        }

        /** Zone and line names are words of metric labels and events: the id rule, unique within the source. */
        private static String sceneName(JsonFields f, Set<String> taken) {
            String name = f.requiredString("name");
            if (name != null && !SourceConfig.ID.matcher(name).matches()) {
                f.problem("name", "must be " + SourceConfig.ID_RULE + ", got '" + name + "'");
            } else if (name != null && !taken.add(name)) {
                f.problem("name", "'" + name + "' names another zone or line of this source");
            }
            return name;
        }

        static VideoDecoder decoder(JsonFields f, VideoDecoder fallback) {
            return f.parsed("decoder", fallback, VideoDecoder::parse);
        }

        /**
         * An id that becomes a word of a routing key ({@code detections.{tenant_id}.{site_id}.{camera_uuid}}): letters,
         * digits, {@code -} and {@code _}, at most {@link SourceConfig#MAX_ID_LENGTH} characters. A {@code .} would split
         * the key, {@code *} and {@code #} are wildcards to consumers, and with three ids of at most 64 ASCII characters
         * every key stays within AMQP's 255 bytes.
         */
        private static String routingWord(JsonFields s, String key, String value) {
            if (value != null && !SourceConfig.ID.matcher(value).matches()) {
                s.problem(key, "'" + (value.length() > 80 ? value.substring(0, 80) + "…" : value) + "' is not a valid id: "
                        + SourceConfig.ID_RULE);
            }
            return value;
        }

        private String checkUrl(JsonFields s, String url) {
            String lower = url.toLowerCase(Locale.ROOT);
            if (lower.startsWith("rtsp://") || lower.startsWith("rtsps://")) {
                try {
                    if (new URI(url).getHost() == null) {
                        s.problem("url", "has no host: '" + SourceConfig.redact(url) + "'");
                    }
                } catch (URISyntaxException e) {
                    s.problem("url", "is not a valid URL: " + e.getMessage());
                }
                return url;
            }
            Path file;
            if (lower.startsWith("file:")) {
                try {
                    file = Path.of(URI.create(url));
                } catch (RuntimeException e) {
                    s.problem("url", "is not a valid file: URL: " + e.getMessage());
                    return url;
                }
            } else if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
                s.problem("url", "unsupported scheme '" + url.substring(0, url.indexOf(':'))
                        + "' (expected rtsp://, rtsps://, file: or a local path)");
                return url;
            } else {
                file = baseDir == null ? Path.of(url) : baseDir.resolve(url);
            }
            if (fileRoots != null && !underAllowedRoot(file)) {
                s.problem("url", "a local file in a shard from the fleet ('" + url + "'); the worker allows files only"
                        + " under its allowed_file_roots " + fileRoots);
                return url;
            }
            if (!Files.isReadable(file)) {
                s.problem("url", "file not found or not readable: " + file);
            }
            return file.normalize().toString();
        }

        /** The file's real path (links followed) lies under an allowed root; a file that does not exist does not. */
        private boolean underAllowedRoot(Path file) {
            try {
                Path real = file.toAbsolutePath().toRealPath();
                return fileRoots.stream().anyMatch(real::startsWith);
            } catch (java.io.IOException | RuntimeException e) {
                return false;
            }
        }

        private static void checkSources(JsonFields root, List<SourceConfig> sources, int maxSources) {
            if (maxSources >= 1 && sources.size() > maxSources) {
                root.problem("sources", sources.size() + " cameras, more than max_sources (" + maxSources + ")");
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < sources.size(); i++) {
                String id = sources.get(i).cameraUuid();
                if (id != null && !seen.add(id)) {
                    root.problem("sources[" + i + "].camera_uuid", "duplicate camera_uuid '" + id + "'");
                }
            }
        }

        /** What a lease carries (docs/control-plane.md): cameras and the settings that apply live. */
        LeasedShard leasedShard(int maxCameras) {
            root.knownKeys(Set.of("sources", "max_fps", "motion_config", "emit_empty"));
            List<SourceConfig> sources = root.optionalObjects("sources", s -> source(s, VideoDecoder.AUTO));
            if (sources.size() > maxCameras) {
                root.problem("sources", sources.size() + " cameras, more than this worker's max_cameras (" + maxCameras
                        + ")");
            }
            checkSources(root, sources, Integer.MAX_VALUE);
            Double maxFps = null;
            if (root.has("max_fps")) {
                maxFps = maxFps(root);
            }
            JsonFields m = root.object("motion_config");
            return new LeasedShard(sources, maxFps, m == null ? null : motion(m),
                    root.has("emit_empty") ? root.bool("emit_empty", false) : null);
        }

        private ControlPlaneConfig controlPlane(JsonFields c, int maxSources) {
            if (c == null) {
                return null;
            }
            c.knownKeys(Set.of("base_url", "token", "max_cameras", "timeout_ms", "acquire_interval_ms",
                    "acquire_max_interval_ms", "ca_file"));
            c.rejectUnknownKeys();
            String base = c.requiredString("base_url");
            URI uri = null;
            if (base != null) {
                try {
                    uri = new URI(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
                    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                        c.problem("base_url", "must be an http:// or https:// URL with a host, got '" + base + "'");
                    }
                } catch (URISyntaxException e) {
                    c.problem("base_url", "not a URL: " + e.getMessage());
                }
            }
            String token = c.string("token", null);
            int maxCameras = c.integerAtLeast("max_cameras", maxSources, 1);
            if (maxCameras > maxSources) {
                c.problem("max_cameras", maxCameras + " is more than max_sources (" + maxSources + ")");
            }
            int timeout = c.integerAtLeast("timeout_ms", 5000, 1);
            int interval = c.integerAtLeast("acquire_interval_ms", 2000, 1);
            int maxInterval = c.integerAtLeast("acquire_max_interval_ms", 30_000, 1);
            if (maxInterval < interval) {
                c.problem("acquire_max_interval_ms", "must be >= acquire_interval_ms (" + interval + "), got "
                        + maxInterval);
            }
            Path ca = null;
            String caFile = c.string("ca_file", null);
            if (caFile != null) {
                ca = baseDir == null ? Path.of(caFile) : baseDir.resolve(caFile);
                if (!Files.isReadable(ca)) {
                    c.problem("ca_file", "file not found or not readable: " + ca);
                }
            }
            return new ControlPlaneConfig(uri, token, maxCameras, Duration.ofMillis(timeout),
                    Duration.ofMillis(interval), Duration.ofMillis(maxInterval), ca);
        }

        private AmqpConfig amqp(JsonFields a) {
            if (a == null) {
                return null;
            }
            a.knownKeys(Set.of("host", "port", "ex_status", "ex_detect", "vhost", "username", "tls", "buffer_size",
                    "max_in_flight"));
            a.rejectUnknownKeys();
            boolean tls = a.bool("tls", false);
            int port = a.integer("port", tls ? 5671 : 5672);
            if (port <= 0 || port > 65535) {
                a.problem("port", "must be 1..65535, got " + port);
            }
            int buffer = a.integerAtLeast("buffer_size", 10_000, 1);
            int inFlight = a.integerAtLeast("max_in_flight", 256, 1);
            String exStatus = a.string("ex_status", "status.topic");
            String exDetect = a.string("ex_detect", "detections.topic");
            if (exStatus.isBlank()) {
                a.problem("ex_status", "must not be empty");
            }
            if (exDetect.isBlank()) {
                a.problem("ex_detect", "must not be empty");
            }
            return new AmqpConfig(a.requiredString("host"), port, a.string("vhost", "/"), a.string("username", "guest"),
                    tls, exStatus, exDetect, buffer, inFlight);
        }

        /** One rule wherever a source comes from (file, admin API, a fleet's shard): zones and lines need tracking. */
        static void sceneNeedsTracking(JsonFields f, String key, SourceConfig source, boolean tracking) {
            if (!tracking && source.scene() != null && !source.scene().isEmpty()) {
                f.problem(key, "zones and lines need tracking (\"tracking\": {\"enabled\": true}), which is off"
                        + " on this worker");
            }
        }

        /** {@code tracking} and {@code events}; zones, lines and object events need tracking on. */
        private TrackingConfig tracking(JsonFields root, List<SourceConfig> sources) {
            TrackingConfig t = tracking(root.object("tracking"));
            TrackingConfig.Events mode = root.parsed("events", TrackingConfig.Events.FRAMES,
                    TrackingConfig.Events::parse);
            if (mode.objects() && !t.enabled()) {
                root.problem("events", "'" + mode.name().toLowerCase(Locale.ROOT)
                        + "' needs tracking (\"tracking\": {\"enabled\": true})");
            }
            for (int i = 0; i < sources.size(); i++) {
                sceneNeedsTracking(root, "sources[" + i + "]", sources.get(i), t.enabled());
            }
            return t.withEvents(mode);
        }

        private TrackingConfig tracking(JsonFields t) {
            TrackingConfig d = TrackingConfig.OFF;
            if (t == null) {
                return d;
            }
            t.knownKeys(Set.of("enabled", "max_lost_seconds", "min_hits", "high_score", "low_score"));
            t.rejectUnknownKeys();
            double maxLost = t.number("max_lost_seconds", d.maxLostSeconds());
            if (!(maxLost > 0)) {
                t.problem("max_lost_seconds", "must be > 0, got " + maxLost);
            }
            int minHits = t.integer("min_hits", d.minHits());
            if (minHits < 1) {
                t.problem("min_hits", "must be >= 1, got " + minHits);
            }
            double high = t.number("high_score", d.highScore());
            if (!(high > 0 && high <= 1)) {
                t.problem("high_score", "must be in (0, 1], got " + high);
            }
            double low = t.number("low_score", d.lowScore());
            if (!(low > 0 && low <= high)) {
                t.problem("low_score", "must be in (0, high_score], got " + low);
            }
            return new TrackingConfig(t.bool("enabled", true), maxLost, minHits, high, low);
        }

        private MotionConfig motion(JsonFields m) {
            MotionConfig d = MotionConfig.defaults(false);
            if (m == null) {
                return d;
            }
            m.knownKeys(Set.of("enabled", "pixel_threshold", "sensitivity", "cooldown_seconds", "blur_size", "min_area",
                    "dilation_iterations", "erosion_iterations", "motion_decay_seconds", "working_width"));
            m.rejectUnknownKeys();
            int blur = m.integer("blur_size", d.blurSize());
            if (blur < 1 || blur % 2 == 0) {
                m.problem("blur_size", "must be a positive odd number, got " + blur);
            }
            double sensitivity = m.number("sensitivity", d.sensitivity());
            if (!(sensitivity >= 0 && sensitivity <= 255)) {
                m.problem("sensitivity", "must be 0..255, got " + sensitivity);
            }
            int width = m.integer("working_width", d.workingWidth());
            if (width < 32) {
                m.problem("working_width", "must be >= 32, got " + width);
            }
            return new MotionConfig(m.bool("enabled", true),
                    nonNegative(m, "pixel_threshold", d.pixelThreshold()), sensitivity, blur,
                    nonNegative(m, "min_area", d.minArea()), nonNegative(m, "cooldown_seconds", d.cooldownSeconds()),
                    (int) nonNegative(m, "dilation_iterations", d.dilationIterations()),
                    (int) nonNegative(m, "erosion_iterations", d.erosionIterations()),
                    nonNegative(m, "motion_decay_seconds", d.decaySeconds()), width);
        }

        private static double nonNegative(JsonFields f, String key, double fallback) {
            double v = f.number(key, fallback);
            if (!(v >= 0)) {
                f.problem(key, "must be >= 0, got " + v);
                return fallback;
            }
            return v;
        }

        private ModelConfig model(JsonFields m) {
            if (m == null) {
                return new ModelConfig(BuiltinModel.DEFAULT, ExecutionProvider.AUTO, 0, 0.35f, 0.45f, Set.of(), null,
                        null, 0);
            }
            m.knownKeys(Set.of("path", "provider", "device_id", "confidence", "iou", "classes", "format", "labels",
                    "threads", "fused_graph", "cuda_options", "instances", "input_size", "batch"));
            int[] inputSize = m.size("input_size", new int[] {0, 0});
            String sizeProblem = DetectorSettings.inputSizeProblem(inputSize[0], inputSize[1]);
            if (sizeProblem != null) {
                m.problem("input_size", sizeProblem);
                inputSize = new int[] {0, 0};
            }
            JsonFields ownBatch = m.object("batch");
            String path = m.string("path", BuiltinModel.DEFAULT);
            if (BuiltinModel.byName(path).isEmpty()) {
                Path file = baseDir == null ? Path.of(path) : baseDir.resolve(path);
                if (!Files.isReadable(file)) {
                    m.problem("path", "neither a readable model file nor a built-in model name ("
                            + BuiltinModel.DEFAULT + "): " + path);
                }
                path = file.toString();
            }
            ExecutionProvider provider = m.parsed("provider", ExecutionProvider.AUTO, ExecutionProvider::parse);
            ModelFormat format = m.parsed("format", null, ModelFormat::parse);
            double confidence = m.number("confidence", 0.35);
            double iou = m.number("iou", 0.45);
            if (!(confidence > 0 && confidence < 1)) {
                m.problem("confidence", "must be between 0 and 1, got " + confidence);
            }
            if (!(iou > 0 && iou <= 1)) {
                m.problem("iou", "must be between 0 and 1, got " + iou);
            }
            int device = m.integerAtLeast("device_id", 0, 0);
            int threads = m.integerAtLeast("threads", 0, 0);
            int instances = m.integer("instances", DetectorSettings.DEFAULT_INSTANCES);
            String instancesProblem = DetectorSettings.instancesProblem(instances);
            if (instancesProblem != null) {
                m.problem("instances", instancesProblem);
                instances = DetectorSettings.DEFAULT_INSTANCES;
            }
            Path labels = null;
            String labelsValue = m.string("labels", null);
            if (labelsValue != null) {
                labels = baseDir == null ? Path.of(labelsValue) : baseDir.resolve(labelsValue);
                if (!Files.isReadable(labels)) {
                    m.problem("labels", "file not found or not readable: " + labels);
                }
            }
            Map<String, String> cudaOptions = new LinkedHashMap<>();
            JsonFields cuda = m.object("cuda_options");
            if (cuda != null) {
                cuda.forEachScalar((key, value) -> {
                    String problem = DetectorSettings.cudaOptionProblem(key, value);
                    if (problem != null) {
                        cuda.problem(key, problem);
                    } else {
                        cudaOptions.put(key, value);
                    }
                });
            }
            return new ModelConfig(path, provider, device, (float) confidence, (float) iou,
                    new LinkedHashSet<>(m.strings("classes")), format, labels, threads,
                    m.bool("fused_graph", true), cudaOptions, instances, inputSize[0], inputSize[1],
                    ownBatch == null ? null : batch(ownBatch));
        }

        private HttpConfig http(JsonFields h) {
            HttpConfig d = HttpConfig.defaults();
            if (h == null) {
                return d;
            }
            h.knownKeys(Set.of("host", "port", "metrics_port", "ready_quorum", "drain_grace_seconds"));
            int port = port(h, "port", d.port());
            int metrics = port(h, "metrics_port", d.metricsPort());
            if (port != 0 && port == metrics) {
                h.problem("metrics_port", "must differ from http.port (" + port + ")");
            }
            double quorum = h.number("ready_quorum", d.readyQuorum());
            if (!(quorum >= 0 && quorum <= 1)) {
                h.problem("ready_quorum", "must be between 0 and 1, got " + quorum);
            }
            double grace = h.number("drain_grace_seconds", d.drainGrace().toSeconds());
            if (!(grace > 0)) {
                h.problem("drain_grace_seconds", "must be > 0, got " + grace);
            }
            return new HttpConfig(h.string("host", d.host()), port, metrics, quorum,
                    Duration.ofMillis((long) (Math.max(grace, 0.001) * 1000)));
        }

        private static int port(JsonFields f, String key, int fallback) {
            int port = f.integer(key, fallback);
            if (port < 0 || port > 65535) {
                f.problem(key, "must be 0..65535, got " + port);
                return fallback;
            }
            return port;
        }

        private BatchConfig batch(JsonFields b) {
            if (b == null) {
                return new BatchConfig(8, Duration.ofMillis(50));
            }
            b.knownKeys(Set.of("max_size", "max_wait_ms", "prepare_threads", "shapes"));
            BatchShapes.Policy shapes = b.parsed("shapes", BatchShapes.Policy.AUTO, BatchShapes.Policy::parse);
            int size = b.integer("max_size", 8);
            int prepare = b.integerAtLeast("prepare_threads", BatchConfig.defaultPrepareThreads(), 1);
            int waitMs = b.integer("max_wait_ms", 50);
            if (size < 1 || size > 1024) {
                b.problem("max_size", "must be 1..1024, got " + size);
            }
            if (waitMs < 1) {
                b.problem("max_wait_ms", "must be >= 1, got " + waitMs);
            }
            return new BatchConfig(size, Duration.ofMillis(Math.max(1, waitMs)), Math.max(1, prepare), shapes);
        }

        private ReconnectConfig reconnect(JsonFields r) {
            if (r == null) {
                return new ReconnectConfig(Duration.ofMillis(500), Duration.ofSeconds(30), 0.2, 0);
            }
            r.knownKeys(Set.of("initial_ms", "max_ms", "jitter", "max_attempts"));
            int initial = r.integer("initial_ms", 500);
            int max = r.integer("max_ms", 30_000);
            double jitter = r.number("jitter", 0.2);
            int attempts = r.integer("max_attempts", 0);
            if (initial < 1) {
                r.problem("initial_ms", "must be >= 1, got " + initial);
            }
            if (max < initial) {
                r.problem("max_ms", "must be >= initial_ms (" + initial + "), got " + max);
            }
            if (!(jitter >= 0 && jitter < 1)) {
                r.problem("jitter", "must be in [0, 1), got " + jitter);
            }
            if (attempts < 0) {
                r.problem("max_attempts", "must be >= 0, got " + attempts);
            }
            return new ReconnectConfig(Duration.ofMillis(Math.max(1, initial)), Duration.ofMillis(Math.max(1, max)),
                    jitter, attempts);
        }
    }

    private static String defaultRunnerId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "camflux";
        }
    }
}
