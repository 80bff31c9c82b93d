package io.camflux.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Clips made by scripts/prepare-media.sh and the model found through CAMFLUX_MODEL_DIR. */
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

    public static Path defaultModel() throws IOException {
        if (System.getenv(ModelResolver.MODEL_DIR_ENV) == null) {
            throw new IllegalStateException(ModelResolver.MODEL_DIR_ENV + " is not set: run the tests with scripts/test.sh");
        }
        return ModelResolver.fromEnvironment().resolve(BuiltinModel.DEFAULT);
    }
}
