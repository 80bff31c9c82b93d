package io.camflux.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Clips made by scripts/prepare-media.sh, and the default model found as the engine finds it. */
public final class TestAssets {
    private TestAssets() {
    }

    public static Path media(String name) {
        Path file = Path.of(System.getProperty("camflux.media.dir", ".cache/media")).resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: run scripts/prepare-media.sh (scripts/test.sh does)");
        }
        return file;
    }

    public static Path root() {
        return Path.of(System.getProperty("camflux.root", "."));
    }

    /**
     * The default model: in {@code CAMFLUX_MODEL_DIR} (scripts/test.sh points it at ../shared/models where that
     * exists), else in the user cache, else downloaded into it once (SHA-256 checked), as the engine resolves it.
     */
    public static Path defaultModel() throws IOException {
        return ModelResolver.fromEnvironment().resolve(BuiltinModel.DEFAULT);
    }
}
