package io.camflux.engine.testing;

import io.camflux.model.TestAssets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The repo's real RTSP server (scripts/rtsp_server.py, GStreamer) on loopback, for one test. */
public final class RtspServer implements AutoCloseable {
    private final Map<String, Path> streams;
    private final Map<String, Integer> liveStreams;
    private Process process;
    private int port;

    private RtspServer(Map<String, Path> streams, Map<String, Integer> liveStreams) {
        this.streams = streams;
        this.liveStreams = liveStreams;
    }

    /** Starts on a free port; each client gets its mount's file from the start. */
    public static RtspServer start(Map<String, Path> streams) throws IOException {
        return start(streams, Map.of());
    }

    /**
     * As above, plus live generated cameras, by mount, with the frames from one key frame to the next: each plays
     * once for all its clients, so a client that joins after a key frame decodes nothing until the next one.
     */
    public static RtspServer start(Map<String, Path> streams, Map<String, Integer> liveStreams) throws IOException {
        RtspServer server = new RtspServer(streams, liveStreams);
        server.startOn(0);
        return server;
    }

    /** Starts again on the port it had (after {@link #stop()}). */
    public void restart() throws IOException {
        startOn(port);
    }

    private void startOn(int wanted) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3",
                TestAssets.root().resolve("scripts/rtsp_server.py").toString(), "--port", Integer.toString(wanted)));
        streams.forEach((mount, file) -> cmd.addAll(List.of("--stream", mount + "=" + file)));
        liveStreams.forEach((mount, gop) -> cmd.addAll(List.of("--live-stream", mount + "=" + gop)));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("READY ")) {
            process.destroyForcibly();
            throw new IOException("the RTSP server did not start (" + cmd + "): " + line);
        }
        port = Integer.parseInt(line.substring(6).trim());
    }

    public String url(String mount) {
        return "rtsp://127.0.0.1:" + port + "/" + mount;
    }

    public int port() {
        return port;
    }

    /** Stops the server as a crash would look to clients: the connection goes away. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
