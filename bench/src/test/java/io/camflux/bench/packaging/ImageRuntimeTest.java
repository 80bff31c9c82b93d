package io.camflux.bench.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.model.BuiltinModel;
import io.camflux.model.ModelResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar started as Dockerfile.gpu starts it, with the image's model paths (its {@code ENV}) mapped into a
 * temporary folder: an empty {@code CAMFLUX_MODEL_DIR} and the model where a first start downloaded it, in
 * {@code XDG_CACHE_HOME} inside the models volume. The engine finds it there and runs.
 */
class ImageRuntimeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** The image's ENV block, as name → value. */
    private static Map<String, String> imageEnvironment() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile.gpu"));
        Matcher block = Pattern.compile("(?m)^ENV ((?:.*\\\\\\n)*.*)$").matcher(dockerfile);
        assertTrue(block.find(), "an ENV block");
        Map<String, String> env = new LinkedHashMap<>();
        Matcher pair = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(block.group(1));
        while (pair.find()) {
            env.put(pair.group(1), pair.group(2).replace("\"", ""));
        }
        return env;
    }

    @Test
    void aModelDownloadedIntoTheVolumeIsFoundWithAnEmptyModelFolder(@TempDir Path dir) throws Exception {
        Map<String, String> image = imageEnvironment();
        assertEquals("/models", image.get("CAMFLUX_MODEL_DIR"));
        String cache = image.get("XDG_CACHE_HOME");
        assertTrue(cache != null && cache.startsWith("/models/"), "the download cache is in the models volume: " + cache);

        Path models = Files.createDirectories(dir.resolve("models"));
        Path cached = Files.createDirectories(dir.resolve(cache.substring(1)).resolve("camflux/models"));
        Path model = ModelResolver.fromEnvironment().resolve(BuiltinModel.DEFAULT);
        Files.copy(model, cached.resolve(model.getFileName()));
        Path clip = ROOT.resolve(".cache/media/cam1.mp4");
        assertTrue(Files.isRegularFile(clip), clip + ": run scripts/prepare-media.sh");
        Path config = dir.resolve("shard.json");
        Files.writeString(config, "{\"runner_id\": \"image\", \"max_fps\": 5, \"sources\": [{\"camera_uuid\": \"c1\","
                + " \"url\": \"" + clip + "\"}], \"http\": {\"port\": 0, \"metrics_port\": 0}}");

        Path jar = ROOT.resolve("engine/target/camflux.jar");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "--config", config.toString(),
                "--duration", "4s").redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().remove(ModelResolver.MODEL_DIR_ENV);
        pb.environment().put(ModelResolver.MODEL_DIR_ENV, models.toString());
        pb.environment().put("XDG_CACHE_HOME", dir.resolve(cache.substring(1)).toString());
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the engine finished");
        String out = Files.readString(dir.resolve("out.log"));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("\"camera_uuid\":\"c1\",\"frame_id\""), "detection events: " + out);
        assertTrue(!out.contains("downloading"), "nothing downloaded: " + out);
    }
}
