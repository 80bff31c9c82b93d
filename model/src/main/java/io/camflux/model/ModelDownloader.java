package io.camflux.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/** Downloads a model to a file, verifying its size and SHA-256 before it takes the final name. */
public final class ModelDownloader {
    private final HttpClient client;
    private final PrintStream progress;

    public ModelDownloader() {
        this(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build(), System.err);
    }

    public ModelDownloader(HttpClient client, PrintStream progress) {
        this.client = client;
        this.progress = progress;
    }

    public Path download(BuiltinModel model, Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        HttpRequest request = HttpRequest.newBuilder(model.url()).timeout(Duration.ofMinutes(5)).GET().build();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long received = 0;
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException("download of " + model.url() + " failed: HTTP " + response.statusCode());
            }
            try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(partial)) {
                byte[] buf = new byte[64 * 1024];
                int lastPercent = -1;
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    sha.update(buf, 0, n);
                    received += n;
                    int percent = model.size() > 0 ? (int) Math.min(100, received * 100 / model.size()) : 0;
                    if (percent / 10 != lastPercent / 10) {
                        progress.printf("downloading %s: %d%% (%,d of %,d bytes)%n", model.fileName(), percent,
                                received, model.size());
                        lastPercent = percent;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Files.deleteIfExists(partial);
            throw new IOException("download of " + model.url() + " interrupted", e);
        } catch (IOException e) {
            Files.deleteIfExists(partial);
            throw e instanceof java.net.ConnectException || e instanceof java.net.http.HttpConnectTimeoutException
                    ? new IOException("cannot download " + model.url() + " (" + e + "); without internet access,"
                            + " put " + model.fileName() + " in a folder and set " + ModelResolver.MODEL_DIR_ENV, e)
                    : e;
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (received != model.size() || !actual.equalsIgnoreCase(model.sha256())) {
            Files.deleteIfExists(partial);
            throw new IOException("download of " + model.url() + " does not match: got " + received + " bytes, SHA-256 "
                    + actual + "; expected " + model.size() + " bytes, SHA-256 " + model.sha256());
        }
        return Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
