package io.camflux.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench's recorded input, made once with ffmpeg from OpenCV's vtest.avi (people walking): a busy scene
 * (the clip scaled to 720p or 1080p at 25 fps) and a static one (one frame of it held), long enough that no
 * stream ends during a run.
 */
final class BenchMedia {
    /** Every clip the bench makes or is given is played at this rate (its cameras send 25 frames a second). */
    static final double FRAME_RATE = 25;
    private final Path dir;

    BenchMedia(Path mediaDir) {
        this.dir = mediaDir.resolve("bench");
    }

    Path clip(String scene, int height, long minSeconds) throws IOException, InterruptedException {
        return clip(scene, height, minSeconds, 2);
    }

    /** With a key frame every {@code gopSeconds}. */
    Path clip(String scene, int height, long minSeconds, int gopSeconds) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int width = height * 16 / 9;
        long seconds = Math.max(120, minSeconds + 30);
        String gop = gopSeconds == 2 ? "" : "-gop" + gopSeconds + "s";
        Path clip = dir.resolve(scene + "-" + height + "p25-" + seconds + "s" + gop + ".mp4");
        if (Files.isRegularFile(clip)) {
            return clip;
        }
        Path source = dir.getParent().resolve("vtest.mp4");
        if (!Files.isRegularFile(source)) {
            throw new IOException(source + " is missing: run scripts/prepare-media.sh");
        }
        System.err.printf("bench: making %s (once)%n", clip.getFileName());
        Path pass = dir.resolve(scene + "-" + height + "p25" + gop + "-pass.mp4");
        String frames = Integer.toString(25 * gopSeconds);
        List<String> x264 = new ArrayList<>(List.of("-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", frames,
                "-pix_fmt", "yuv420p", "-an"));
        if (gopSeconds != 2) {
            // exactly one key frame every gopSeconds, none at scene cuts: what a camera's encoder sends
            x264.addAll(List.of("-keyint_min", frames, "-sc_threshold", "0"));
        }
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
        if (scene.equals("static")) {
            cmd.addAll(List.of("-loop", "1", "-framerate", Integer.toString((int) FRAME_RATE), "-t", "60", "-i",
                    dir.getParent().resolve("vtest-frame.png").toString()));
        } else {
            cmd.addAll(List.of("-i", source.toString()));
        }
        cmd.addAll(List.of("-vf", "scale=" + width + ":" + height + ",fps=" + (int) FRAME_RATE));
        cmd.addAll(x264);
        cmd.add(pass.toString());
        run(cmd);
        run(List.of("ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", pass.toString(), "-t",
                Long.toString(seconds), "-c", "copy", clip.toString()));
        Files.delete(pass);
        return clip;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("failed: " + String.join(" ", cmd));
        }
    }
}
