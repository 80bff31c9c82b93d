package io.camflux.engine.http;

import io.camflux.engine.CameraChange;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * What the admin API ({@code /sources}) changes: the running engine's camera set. Errors: a
 * {@link io.camflux.engine.config.ConfigException} for a bad source (400, its path-named problems), a
 * {@link java.util.NoSuchElementException} for an unknown camera (404), an {@link IllegalStateException} when the
 * set is full (409).
 */
public interface SourceAdmin {

    /** Each camera: its config (URL without credentials), state, rates, whether paused. */
    List<Map<String, Object>> sources();

    /** A source as in the config's {@code sources}, added or replacing the camera of that id. */
    Mono<CameraChange> put(String cameraUuid, String json);

    /** Starts removing the camera (it finishes in the background); an error at once if it is unknown. */
    Mono<CameraChange> remove(String cameraUuid);

    Mono<CameraChange> pause(String cameraUuid);

    Mono<CameraChange> resume(String cameraUuid);
}
