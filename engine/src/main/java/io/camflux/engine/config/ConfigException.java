package io.camflux.engine.config;

import java.util.List;

/** A shard config that cannot be used; each problem names its JSON path. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super(format(source, problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String format(String source, List<String> problems) {
        StringBuilder sb = new StringBuilder("invalid config ").append(source).append(':');
        for (String p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
