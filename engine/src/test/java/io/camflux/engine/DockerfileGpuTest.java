package io.camflux.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.camflux.model.TestAssets;

/** Dockerfile.gpu without a Docker engine: a linter from npm, and what the image must promise its operators. */
class DockerfileGpuTest {
    private static final Path ROOT = TestAssets.root();
    private static final Path DOCKERFILE = ROOT.resolve("Dockerfile.gpu");

    private static String lint(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", ROOT.resolve("scripts/lint-dockerfile.sh").toString(), file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the linter finished");
        return p.exitValue() + "\n" + out;
    }

    @Test
    void passesTheLinterWhichFailsABrokenFile(@TempDir Path dir) throws Exception {
        String clean = lint(DOCKERFILE.toAbsolutePath());
        assertTrue(clean.startsWith("0\n") && clean.contains("Issues: None found"), clean);

        Path broken = dir.resolve("Dockerfile");
        Files.writeString(broken, "FROM ubuntu\nRUN apt-get install curl\nEXPOSE 80/xyz\nHEALTHCHECK --bogus=1 CMD true\n");
        String bad = lint(broken);
        assertNotEquals('0', bad.charAt(0), "the linter must be able to fail: " + bad);
    }

    @Test
    void runsAsNonRootOnCudaWithHealthcheckPortsAndNvdec() throws Exception {
        String text = Files.readString(DOCKERFILE);
        List<String> froms = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(text).results().map(m -> m.group(1)).toList();
        assertEquals(2, froms.size(), "multi-stage: build, then runtime");
        assertTrue(froms.get(1).matches("nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-.*"), froms.get(1));
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(text);
        assertTrue(user.find() && !user.group(1).equals("root") && !user.group(1).equals("0"), "non-root user");
        assertTrue(Pattern.compile("(?m)^HEALTHCHECK .*http://127\\.0\\.0\\.1:8080/healthz").matcher(text).find());
        assertTrue(Pattern.compile("(?m)^EXPOSE 8080 9108$").matcher(text).find());
        assertTrue(text.contains("NVIDIA_DRIVER_CAPABILITIES=compute,utility,video"), "NVDEC needs the video capability");
        assertTrue(text.contains("CMD [\"--config\", \"/config/shard.json\"]"), "the shard config is a mounted file");
        assertTrue(!text.contains("CAMFLUX_AMQP_PASSWORD=") && !text.contains("CAMFLUX_HTTP_TOKEN="), "no baked secrets");
    }

    @Test
    void buildStageUsesTheWrapperAndFlagsCiUses() throws Exception {
        String ci = Files.readString(ROOT.resolve("scripts/test.sh"));
        Matcher ciCommand = Pattern.compile("(?m)^exec (\\./mvnw -B -ntp) verify").matcher(ci);
        assertTrue(ciCommand.find(), "scripts/test.sh runs the wrapper");
        List<String> builds = Pattern.compile("(?m)^RUN (\\./mvnw .*)$").matcher(Files.readString(DOCKERFILE)).results()
                .map(m -> m.group(1)).toList();
        assertEquals(2, builds.size(), builds.toString());
        for (String build : builds) {
            assertTrue(build.startsWith(ciCommand.group(1) + " -Pgpu,image "), build);
        }
        assertTrue(builds.get(1).endsWith("-pl engine -am package"), builds.get(1));
    }

    /**
     * The libraries and natives are a layer of their own, copied before CamFlux's classes, and the entry point's
     * class path holds both: a code change rebuilds and re-pulls only the small layer.
     */
    @Test
    void librariesComeInALayerBeforeTheCode() throws Exception {
        String text = Files.readString(DOCKERFILE);
        List<String> copies = Pattern.compile("(?m)^COPY --from=build (\\S+) (\\S+)$").matcher(text).results()
                .map(m -> m.group(1) + " " + m.group(2)).toList();
        assertEquals(List.of("/out/lib /app/lib", "/out/app /app"), copies);
        assertTrue(text.contains("cp engine/target/camflux-deps.jar /out/lib/"), "the deps jar of profile image");
        assertTrue(Files.readString(ROOT.resolve("engine/pom.xml")).contains("<id>image</id>"));
        assertTrue(text.contains("\"-cp\", \"/app/lib/*:/app/*\", \"io.camflux.engine.cli.Main\""), "entry point");
    }

    /** The non-root user can write where a model is downloaded when /models is empty; its home is its own. */
    @Test
    void theModelDownloadsIntoAVolumeTheUserOwns() throws Exception {
        String text = Files.readString(DOCKERFILE);
        Matcher user = Pattern.compile("useradd [^\\n]*--home-dir (\\S+) (\\S+)").matcher(text);
        assertTrue(user.find(), "useradd");
        assertTrue(!user.group(1).equals("/app") && text.contains("--create-home"), "a home of its own: " + user.group(1));
        assertTrue(text.contains("chown " + user.group(2) + " /models"), "the user owns /models");
        assertTrue(text.contains("CAMFLUX_MODEL_DIR=/models"), "the model folder");
        assertTrue(text.contains("XDG_CACHE_HOME=/models/.cache"), "downloads land in the volume, not in a root-owned home");
    }
}
