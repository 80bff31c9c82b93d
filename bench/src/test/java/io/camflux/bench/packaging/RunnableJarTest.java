package io.camflux.bench.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The engine's runnable jar (built by the engine module before this one's tests) carries the natives linux-x86_64
 * loads and nothing of another platform: no macOS, Windows or aarch64 libraries, no debug symbols, no OpenCV
 * Python module, no JavaFX, no TensorRT provider.
 */
class RunnableJarTest {
    private static final Path JAR = Path.of(System.getProperty("camflux.engine.jar", "../engine/target/camflux.jar"));

    /** Entries that no linux-x86_64 JVM loads. */
    private static final List<Pattern> FOREIGN = List.of(
            Pattern.compile("ai/onnxruntime/native/(?!linux-x64/).+"),
            Pattern.compile("org/bytedeco/[^/]+/(macosx|windows|android|ios|linux-arm64|linux-armhf|linux-ppc64le"
                    + "|linux-x86)[-/].*"),
            Pattern.compile(".*\\.(dylib|dll|pdb)$"),
            Pattern.compile(".*\\.dSYM/.*"),
            Pattern.compile("org/bytedeco/opencv/[^/]+/python/.*"),
            Pattern.compile("(javafx|com/sun/javafx|com/sun/prism|com/sun/glass)/.*"),
            Pattern.compile(".*libonnxruntime_providers_tensorrt\\.so$"));

    /** What the engine loads on linux-x86_64: without these it would not start. */
    private static final List<String> NEEDED = List.of(
            "ai/onnxruntime/native/linux-x64/libonnxruntime.so",
            "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so",
            "org/bytedeco/ffmpeg/linux-x86_64/libavcodec.so.62",
            "org/bytedeco/opencv/linux-x86_64/libjniopencv_video.so",
            "org/bytedeco/javacpp/linux-x86_64/libjnijavacpp.so",
            "io/camflux/engine/cli/Main.class");

    @Test
    void onlyLinuxX8664NativesAndAllOfThem() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is missing: build it with ./mvnw package (the"
                + " engine module before this one)");
        try (ZipFile jar = new ZipFile(JAR.toFile())) {
            List<String> foreign = jar.stream().map(ZipEntry::getName).filter(name -> !name.endsWith("/"))
                    .filter(name -> FOREIGN.stream().anyMatch(p -> p.matcher(name).matches())).limit(20).toList();
            assertEquals(List.of(), foreign, "entries of other platforms (first 20)");
            for (String needed : NEEDED) {
                assertTrue(jar.getEntry(needed) != null, needed + " is missing from " + JAR);
            }
        }
    }

    @Test
    void thePatternsRecogniseWhatTheFullJarsCarried() {
        // names as they stood in the jar before it was slimmed: the test above would have caught each
        for (String name : List.of("ai/onnxruntime/native/osx-aarch64/libonnxruntime.dylib",
                "ai/onnxruntime/native/win-x64/onnxruntime.dll", "ai/onnxruntime/native/linux-aarch64/libonnxruntime.so",
                "ai/onnxruntime/native/osx-aarch64/libonnxruntime.dylib.dSYM/Contents/Info.plist",
                "org/bytedeco/opencv/linux-x86_64/python/cv2.cpython-314-x86_64-linux-gnu.so",
                "com/sun/prism/es2/ES2Pipeline.class", "org/bytedeco/ffmpeg/macosx-arm64/libavcodec.62.dylib",
                "ai/onnxruntime/native/linux-x64/libonnxruntime_providers_tensorrt.so")) {
            assertTrue(FOREIGN.stream().anyMatch(p -> p.matcher(name).matches()), name);
        }
        for (String name : NEEDED) {
            assertTrue(FOREIGN.stream().noneMatch(p -> p.matcher(name).matches()), name);
        }
    }
}
