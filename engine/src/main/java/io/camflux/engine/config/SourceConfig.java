package io.camflux.engine.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One camera.
 *
 * @param rtspTransport {@code tcp} (default) or {@code udp}
 * @param loop          for file sources: start again at the end (like a camera that never stops)
 * @param realtime      for file sources: pace frames at the file's native rate
 * @param timeout       connect and read timeout of network sources
 * @param motionMask    regions (source pixels) where the motion gate ignores movement
 * @param decoder       {@code cpu}, {@code nvdec} (GPU, CPU with a warning when absent) or {@code auto}
 * @param model         the name of the worker's model that detects in this camera's frames ({@code default}: the
 *                      config's {@code model})
 */
public record SourceConfig(String cameraUuid, String url, String siteId, String tenantId, String rtspTransport,
                           boolean loop, boolean realtime, Duration timeout, List<Polygon> motionMask,
                           VideoDecoder decoder, SceneConfig scene, String model) {
    /** The most characters of {@code camera_uuid}, {@code tenant_id} and {@code site_id}. */
    public static final int MAX_ID_LENGTH = 64;
    /** Ids are routing-key words: see {@link #ID_RULE}. */
    public static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1," + MAX_ID_LENGTH + "}");
    public static final String ID_RULE = "1 to " + MAX_ID_LENGTH + " of A-Z a-z 0-9 - _ (ids are words of routing keys:"
            + " no '.', '*', '#', spaces or other characters)";


    public SourceConfig {
        motionMask = List.copyOf(motionMask);
        scene = scene == null ? SceneConfig.NONE : scene;
        model = model == null ? ShardConfig.DEFAULT_MODEL : model;
    }

    /** Detected by the default model. */
    public SourceConfig(String cameraUuid, String url, String siteId, String tenantId, String rtspTransport,
                        boolean loop, boolean realtime, Duration timeout, List<Polygon> motionMask,
                        VideoDecoder decoder, SceneConfig scene) {
        this(cameraUuid, url, siteId, tenantId, rtspTransport, loop, realtime, timeout, motionMask, decoder, scene,
                null);
    }

    /** Without zones or lines. */
    public SourceConfig(String cameraUuid, String url, String siteId, String tenantId, String rtspTransport,
                        boolean loop, boolean realtime, Duration timeout, List<Polygon> motionMask,
                        VideoDecoder decoder) {
        this(cameraUuid, url, siteId, tenantId, rtspTransport, loop, realtime, timeout, motionMask, decoder,
                SceneConfig.NONE);
    }

    /** A source decoded on the CPU. */
    public SourceConfig(String cameraUuid, String url, String siteId, String tenantId, String rtspTransport,
                        boolean loop, boolean realtime, Duration timeout, List<Polygon> motionMask) {
        this(cameraUuid, url, siteId, tenantId, rtspTransport, loop, realtime, timeout, motionMask, VideoDecoder.CPU);
    }

    public SourceConfig withDecoder(VideoDecoder value) {
        return new SourceConfig(cameraUuid, url, siteId, tenantId, rtspTransport, loop, realtime, timeout, motionMask,
                value, scene, model);
    }

    public SourceConfig withScene(SceneConfig value) {
        return new SourceConfig(cameraUuid, url, siteId, tenantId, rtspTransport, loop, realtime, timeout, motionMask,
                decoder, value, model);
    }

    public SourceConfig withModel(String value) {
        return new SourceConfig(cameraUuid, url, siteId, tenantId, rtspTransport, loop, realtime, timeout, motionMask,
                decoder, scene, value);
    }

    public boolean isFile() {
        return !isNetwork();
    }

    public boolean isNetwork() {
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("rtsp://") || lower.startsWith("rtsps://");
    }

    /** What FFmpeg opens: the URL for network sources, a plain path for files. */
    public String location() {
        return url.startsWith("file:") ? Path.of(URI.create(url)).toString() : url;
    }

    /** The URL without credentials, for logs and events. */
    public String redactedUrl() {
        return redact(url);
    }

    /** A URL with its user-info (credentials) replaced by {@code ***}. */
    public static String redact(String url) {
        return url.replaceFirst("://[^/@]*@", "://***@");
    }
}
