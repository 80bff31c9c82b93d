package io.camflux.model;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/** A model CamFlux knows by name: where to download it and how to verify it. */
public record BuiltinModel(String name, String fileName, URI url, long size, String sha256) {

    public static final BuiltinModel YOLOX_NANO = new BuiltinModel("yolox_nano", "yolox_nano.onnx",
            URI.create("https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/yolox_nano.onnx"),
            3_659_407L, "c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d");

    public static final String DEFAULT = YOLOX_NANO.name();

    public static Optional<BuiltinModel> byName(String name) {
        String key = name.toLowerCase(Locale.ROOT).replace('-', '_');
        if (key.equals(YOLOX_NANO.name()) || key.equals("yolox-nano") || key.equals(YOLOX_NANO.fileName())) {
            return Optional.of(YOLOX_NANO);
        }
        return Optional.empty();
    }

    public BuiltinModel withSource(URI url, long size, String sha256) {
        return new BuiltinModel(name, fileName, url, size, sha256);
    }
}
