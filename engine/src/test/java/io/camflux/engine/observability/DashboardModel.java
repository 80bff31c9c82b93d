package io.camflux.engine.observability;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What makes deploy/grafana/camflux.json an importable dashboard model, and its queries as Prometheus runs them. */
final class DashboardModel {
    private static final Pattern VARIABLE = Pattern.compile("\\$(\\w+)");
    private static final Set<String> BUILT_IN = Set.of("__rate_interval", "__interval", "__range");

    private DashboardModel() {
    }

    /** The panels that query (rows left out). */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        dashboard.path("panels").forEach(p -> {
            if (!p.path("type").asText().equals("row")) {
                out.add(p);
            }
        });
        return out;
    }

    /** A panel's query with the dashboard's variables at "all" and Grafana's rate interval at one minute. */
    static String expand(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$instance", ".+").replace("$shard", ".+");
    }

    /** Everything that would make Grafana refuse or mis-draw the model; empty when it is well formed. */
    static List<String> problems(JsonNode d) {
        List<String> problems = new ArrayList<>();
        for (String key : new String[] {"title", "uid", "schemaVersion", "panels", "templating", "time"}) {
            if (!d.has(key)) {
                problems.add("no " + key);
            }
        }
        if (!d.path("__inputs").path(0).path("name").asText().equals("DS_PROMETHEUS")) {
            problems.add("no DS_PROMETHEUS input: the import would not ask for a data source");
        }
        Set<String> variables = new HashSet<>(BUILT_IN);
        d.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.path("panels")) {
            String title = p.path("title").asText("(untitled)");
            if (!ids.add(p.path("id").asInt(-1))) {
                problems.add(title + ": id " + p.path("id") + " twice or missing");
            }
            JsonNode grid = p.path("gridPos");
            if (grid.path("w").asInt(0) < 1 || grid.path("x").asInt(-1) < 0
                    || grid.path("x").asInt() + grid.path("w").asInt() > 24 || grid.path("h").asInt(0) < 1) {
                problems.add(title + ": gridPos " + grid + " outside the 24 columns");
            }
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            if (!Set.of("timeseries", "stat").contains(p.path("type").asText())) {
                problems.add(title + ": panel type " + p.path("type"));
            }
            if (!p.path("targets").isArray() || p.path("targets").isEmpty()) {
                problems.add(title + ": no targets");
            }
            for (JsonNode t : p.path("targets")) {
                if (t.path("expr").asText().isBlank() || t.path("refId").asText().isBlank()) {
                    problems.add(title + ": a target without expr or refId");
                }
                Matcher m = VARIABLE.matcher(t.path("expr").asText());
                while (m.find()) {
                    if (!variables.contains(m.group(1))) {
                        problems.add(title + ": unknown variable $" + m.group(1));
                    }
                }
            }
            if (!p.path("datasource").path("uid").asText().equals("${DS_PROMETHEUS}")) {
                problems.add(title + ": data source not the imported one");
            }
        }
        return problems;
    }
}
