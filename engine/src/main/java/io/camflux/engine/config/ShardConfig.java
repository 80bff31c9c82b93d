package io.camflux.engine.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A worker's shard in the seed's JSON format, plus CamFlux's own keys. Built by {@link ConfigLoader}.
 *
 * @param amqp       null: events go to standard output
 * @param emitEmpty  publish a detection event for a frame with no detections too
 * @param maxSources the most cameras the live set holds; an add beyond it is refused
 * @param cp         null: the shard is this file's; else it comes from the control plane under a lease
 * @param tracking   per-camera tracking ({@link TrackingConfig#OFF} by default)
 * @param fleet      etcd coordination and the folders a leased shard may name ({@link FleetConfig#NONE}: none)
 * @param decode     host-wide decoding settings ({@link DecodeConfig#DEFAULTS} by default)
 * @param models     the named models besides {@code model} (which is {@link #DEFAULT_MODEL}), in config order; a
 *                   source picks one by its {@code model}
 */
public record ShardConfig(String runnerId, String shardId, double maxFps, List<SourceConfig> sources,
                          AmqpConfig amqp, Duration reportInterval, MotionConfig motion, ModelConfig model,
                          BatchConfig batch, ReconnectConfig reconnect, boolean emitEmpty, HttpConfig http,
                          int maxSources, ControlPlaneConfig cp, TrackingConfig tracking, FleetConfig fleet,
                          DecodeConfig decode, Map<String, ModelConfig> models) {
    public static final int DEFAULT_MAX_SOURCES = 256;
    /** The name of {@code model}, the model of every source that names none. */
    public static final String DEFAULT_MODEL = "default";
    /** No camera delivers more; a larger max_fps is a typo (1e308, say). */
    public static final double MAX_FPS = 1000;

    /** Without etcd, and no local files allowed in a leased shard. */
    public ShardConfig(String runnerId, String shardId, double maxFps, List<SourceConfig> sources, AmqpConfig amqp,
                       Duration reportInterval, MotionConfig motion, ModelConfig model, BatchConfig batch,
                       ReconnectConfig reconnect, boolean emitEmpty, HttpConfig http, int maxSources,
                       ControlPlaneConfig cp, TrackingConfig tracking) {
        this(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch, reconnect, emitEmpty, http,
                maxSources, cp, tracking, FleetConfig.NONE, DecodeConfig.DEFAULTS);
    }

    /** Without tracking. */
    public ShardConfig(String runnerId, String shardId, double maxFps, List<SourceConfig> sources, AmqpConfig amqp,
                       Duration reportInterval, MotionConfig motion, ModelConfig model, BatchConfig batch,
                       ReconnectConfig reconnect, boolean emitEmpty, HttpConfig http, int maxSources,
                       ControlPlaneConfig cp) {
        this(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch, reconnect, emitEmpty, http,
                maxSources, cp, TrackingConfig.OFF);
    }

    /** With the one model. */
    public ShardConfig(String runnerId, String shardId, double maxFps, List<SourceConfig> sources,
                       AmqpConfig amqp, Duration reportInterval, MotionConfig motion, ModelConfig model,
                       BatchConfig batch, ReconnectConfig reconnect, boolean emitEmpty, HttpConfig http,
                       int maxSources, ControlPlaneConfig cp, TrackingConfig tracking, FleetConfig fleet,
                       DecodeConfig decode) {
        this(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch, reconnect, emitEmpty, http,
                maxSources, cp, tracking, fleet, decode, Map.of());
    }

    public ShardConfig {
        sources = List.copyOf(sources);
        models = models == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
        if (models.containsKey(DEFAULT_MODEL)) {
            throw new IllegalArgumentException("models: '" + DEFAULT_MODEL + "' is the config's model");
        }
        tracking = tracking == null ? TrackingConfig.OFF : tracking;
        fleet = fleet == null ? FleetConfig.NONE : fleet;
        decode = decode == null ? DecodeConfig.DEFAULTS : decode;
    }

    /** Every model by name, the default ({@code model}) first. */
    public Map<String, ModelConfig> modelsByName() {
        Map<String, ModelConfig> all = new LinkedHashMap<>();
        all.put(DEFAULT_MODEL, model);
        all.putAll(models);
        return java.util.Collections.unmodifiableMap(all);
    }

    /** The names a source's {@code model} may take. */
    public Set<String> modelNames() {
        return modelsByName().keySet();
    }

    /** The batching of the model named {@code name}: its own {@code batch}, else the config's. */
    public BatchConfig batchOf(String name) {
        ModelConfig m = name.equals(DEFAULT_MODEL) ? model : models.get(name);
        return m == null ? batch : m.batch(batch);
    }

    /** What is wrong with a camera's {@code model} on a worker that has {@code names}, or null. */
    public static String modelProblem(String model, java.util.Collection<String> names) {
        return names.contains(model) ? null
                : "no model named '" + model + "' (this worker has: " + String.join(", ", names) + ")";
    }

    /** Whether the cameras come from leases (etcd or the HTTP control plane) rather than this file. */
    public boolean leased() {
        return fleet.leased(cp);
    }

    /** With the default {@code max_sources}. */
    public ShardConfig(String runnerId, String shardId, double maxFps, List<SourceConfig> sources, AmqpConfig amqp,
                       Duration reportInterval, MotionConfig motion, ModelConfig model, BatchConfig batch,
                       ReconnectConfig reconnect, boolean emitEmpty, HttpConfig http) {
        this(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch, reconnect, emitEmpty, http,
                DEFAULT_MAX_SOURCES, null);
    }

    public ShardConfig withSources(List<SourceConfig> replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, replaced, amqp, reportInterval, motion, model, batch,
                reconnect, emitEmpty, http, maxSources, cp, tracking, fleet, decode, models);
    }

    public ShardConfig withModel(ModelConfig replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, replaced, batch,
                reconnect, emitEmpty, http, maxSources, cp, tracking, fleet, decode, models);
    }

    public ShardConfig withMotion(MotionConfig replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, sources, amqp, reportInterval, replaced, model, batch,
                reconnect, emitEmpty, http, maxSources, cp, tracking, fleet, decode, models);
    }

    public ShardConfig withHttp(HttpConfig replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch,
                reconnect, emitEmpty, replaced, maxSources, cp, tracking, fleet, decode, models);
    }

    public ShardConfig withTracking(TrackingConfig replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch,
                reconnect, emitEmpty, http, maxSources, cp, replaced, fleet, decode, models);
    }

    public ShardConfig withDecode(DecodeConfig replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch,
                reconnect, emitEmpty, http, maxSources, cp, tracking, fleet, replaced, models);
    }

    public ShardConfig withAmqp(AmqpConfig replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, sources, replaced, reportInterval, motion, model, batch,
                reconnect, emitEmpty, http, maxSources, cp, tracking, fleet, decode, models);
    }

    public ShardConfig withModels(Map<String, ModelConfig> replaced) {
        return new ShardConfig(runnerId, shardId, maxFps, sources, amqp, reportInterval, motion, model, batch,
                reconnect, emitEmpty, http, maxSources, cp, tracking, fleet, decode, replaced);
    }
}
