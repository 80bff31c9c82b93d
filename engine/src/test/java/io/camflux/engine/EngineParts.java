package io.camflux.engine;

import io.camflux.engine.source.StreamReader;

/** The builder's seams that take internal types, for tests in other packages (synthetic streams instead of FFmpeg). */
public final class EngineParts {
    private EngineParts() {
    }

    public static CamFlux.Builder streamOpener(CamFlux.Builder builder, StreamReader.Opener opener) {
        return builder.streamOpener(opener);
    }
}
