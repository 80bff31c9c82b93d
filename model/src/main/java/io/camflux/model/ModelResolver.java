package io.camflux.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the model file for a config value: an existing path is used as is; a built-in name is looked up in
 * the model directory ({@code CAMFLUX_MODEL_DIR}), then in the user cache, then downloaded into the cache
 * and verified.
 */
public final class ModelResolver {
    public static final String MODEL_DIR_ENV = "CAMFLUX_MODEL_DIR";
    private static final Logger log = LoggerFactory.getLogger(ModelResolver.class);

    private final Path modelDir;
    private final Path cacheDir;
    private final ModelDownloader downloader;

    public ModelResolver(Path modelDir, Path cacheDir, ModelDownloader downloader) {
        this.modelDir = modelDir;
        this.cacheDir = cacheDir;
        this.downloader = downloader;
    }

    /** The resolver for this process: {@code CAMFLUX_MODEL_DIR}, then {@code $XDG_CACHE_HOME/camflux/models}. */
    public static ModelResolver fromEnvironment() {
        String dir = System.getenv(MODEL_DIR_ENV);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cacheRoot = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return new ModelResolver(dir == null || dir.isBlank() ? null : Path.of(dir),
                cacheRoot.resolve("camflux").resolve("models"), new ModelDownloader());
    }

    public Path resolve(String pathOrName) throws IOException {
        Path asPath = Path.of(pathOrName);
        if (Files.isRegularFile(asPath)) {
            return asPath;
        }
        Optional<BuiltinModel> builtin = BuiltinModel.byName(pathOrName);
        if (builtin.isEmpty()) {
            throw new IOException("model '" + pathOrName + "' is neither a readable file nor a built-in model name ("
                    + BuiltinModel.DEFAULT + ")");
        }
        return resolve(builtin.get());
    }

    public Path resolve(BuiltinModel model) throws IOException {
        List<Path> looked = new ArrayList<>();
        for (Path dir : new Path[] {modelDir, cacheDir}) {
            if (dir == null) {
                continue;
            }
            Path candidate = dir.resolve(model.fileName());
            looked.add(candidate);
            if (Files.isRegularFile(candidate)) {
                log.debug("model {} found at {}", model.name(), candidate);
                return candidate;
            }
        }
        log.info("model {} not found in {}; downloading it once from {}", model.name(), looked, model.url());
        return downloader.download(model, cacheDir.resolve(model.fileName()));
    }
}
