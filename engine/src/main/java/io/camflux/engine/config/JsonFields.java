package io.camflux.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads typed values out of one JSON object, recording every problem with its JSON path instead of stopping
 * at the first. Missing optional keys take their default.
 */
final class JsonFields {
    private final JsonNode node;
    private final String path;
    private final List<String> problems;
    private final List<String> unknown;

    JsonFields(JsonNode node, String path, List<String> problems, List<String> unknown) {
        this.node = node;
        this.path = path;
        this.problems = problems;
        this.unknown = unknown;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String message) {
        problems.add(path(key) + ": " + message);
    }

    /**
     * A string key read with {@code parser} (an enum's {@code parse}); absent gives {@code fallback}, and a value the
     * parser refuses is reported under the key with the parser's words.
     */
    <T> T parsed(String key, T fallback, java.util.function.Function<String, T> parser) {
        String value = string(key, null);
        if (value == null) {
            return fallback;
        }
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return fallback;
        }
    }

    private Set<String> known = Set.of();

    /** Notes keys that none of the readers knows, so that typos are visible. */
    void knownKeys(Set<String> keys) {
        known = keys;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!keys.contains(key)) {
                unknown.add(path(key));
            }
        }
    }

    /** Makes this object's unknown keys errors rather than warnings (where a typo would silently change behaviour). */
    void rejectUnknownKeys() {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                unknown.remove(path(key));
                problem(key, "unknown key (expected one of " + new java.util.TreeSet<>(known) + ")");
            }
        }
    }

    /** A list of polygons, each a list of at least three [x, y] points with non-negative coordinates. */
    List<Polygon> polygons(String key) {
        JsonNode v = node.get(key);
        List<Polygon> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            problem(key, "must be an array of polygons, got " + describe(v));
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            Polygon p = polygon(v.get(i), path(key) + "[" + i + "]");
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    /** One polygon, {@code [[x, y], ...]} in source pixels; null (and a problem) when it is not one. */
    Polygon polygon(String key) {
        JsonNode v = present(key);
        return v == null ? null : polygon(v, path(key));
    }

    /** The key's value; null, with a problem, when it is absent or null. */
    private JsonNode present(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            problem(key, "is required");
            return null;
        }
        return v;
    }

    private Polygon polygon(JsonNode poly, String at) {
        if (!poly.isArray() || poly.size() < 3) {
            problems.add(at + ": must be an array of at least 3 [x, y] points");
            return null;
        }
        List<Polygon.Point> points = new ArrayList<>();
        for (int j = 0; j < poly.size(); j++) {
            Polygon.Point p = point(poly.get(j), at + "[" + j + "]");
            if (p != null) {
                points.add(p);
            }
        }
        if (points.size() != poly.size()) {
            return null;
        }
        Polygon polygon = new Polygon(points);
        int[] crossing = polygon.crossingEdges();
        if (crossing != null) {
            problems.add(at + ": crosses itself (the edge from point " + crossing[0] + " and the edge from point "
                    + crossing[1] + "): list the points in order around the region");
            return null;
        }
        if (polygon.area() == 0) {
            problems.add(at + ": encloses no area (its points lie on one line)");
            return null;
        }
        return polygon;
    }

    /** A point {@code [x, y]} in source pixels; null (and a problem) when it is not one. */
    Polygon.Point point(String key) {
        JsonNode v = present(key);
        return v == null ? null : point(v, path(key));
    }

    private Polygon.Point point(JsonNode p, String at) {
        if (!p.isArray() || p.size() != 2 || !p.get(0).isNumber() || !p.get(1).isNumber()
                || !inPicture(p.get(0).asDouble()) || !inPicture(p.get(1).asDouble())) {
            problems.add(at + ": must be [x, y] with 0 <= x, y <= " + (int) Polygon.MAX_COORDINATE
                    + " (source pixels), got " + describe(p));
            return null;
        }
        return new Polygon.Point(p.get(0).asDouble(), p.get(1).asDouble());
    }

    private static boolean inPicture(double v) {
        return v >= 0 && v <= Polygon.MAX_COORDINATE;
    }

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    String string(String key, String fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            problem(key, "must be a string, got " + describe(v));
            return fallback;
        }
        return v.asText();
    }

    String requiredString(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            problem(key, "missing");
            return null;
        }
        String s = string(key, null);
        if (s != null && s.isBlank()) {
            problem(key, "must not be empty");
            return null;
        }
        return s;
    }

    double number(String key, double fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            problem(key, "must be a number, got " + describe(v));
            return fallback;
        }
        return v.asDouble();
    }

    int integer(String key, int fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            problem(key, "must be an integer, got " + describe(v));
            return fallback;
        }
        return v.asInt();
    }

    /** An integer that must be at least {@code min}; a smaller one is a problem. */
    int integerAtLeast(String key, int fallback, int min) {
        int v = integer(key, fallback);
        if (v < min) {
            problem(key, "must be >= " + min + ", got " + v);
        }
        return v;
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            problem(key, "must be true or false, got " + describe(v));
            return fallback;
        }
        return v.asBoolean();
    }

    List<String> strings(String key) {
        JsonNode v = node.get(key);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            problem(key, "must be an array of strings, got " + describe(v));
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (e.isTextual() || e.isIntegralNumber()) {
                out.add(e.asText());
            } else {
                problems.add(path(key) + "[" + i + "]: must be a string, got " + describe(e));
            }
        }
        return out;
    }

    /** Each key of this object with its value as text; non-scalar values are problems. */
    void forEachScalar(java.util.function.BiConsumer<String, String> action) {
        node.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                action.accept(e.getKey(), e.getValue().asText());
            } else {
                problem(e.getKey(), "must be a string, number or boolean, got " + describe(e.getValue()));
            }
        });
    }

    /** Each member of a nested object whose values are objects, by name; other values are problems. */
    void forEachObject(String key, java.util.function.BiConsumer<String, JsonFields> action) {
        JsonFields members = object(key);
        if (members == null) {
            return;
        }
        members.node.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                action.accept(e.getKey(), new JsonFields(e.getValue(), members.path(e.getKey()), problems, unknown));
            } else {
                members.problem(e.getKey(), "must be an object, got " + describe(e.getValue()));
            }
        });
    }

    /**
     * A size as one integer (square) or {@code [width, height]}; {@code fallback} when absent, and a problem (and the
     * fallback) when it is neither.
     */
    int[] size(String key, int[] fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return new int[] {v.intValue(), v.intValue()};
        }
        if (v.isArray() && v.size() == 2 && v.get(0).isIntegralNumber() && v.get(1).isIntegralNumber()
                && v.get(0).canConvertToInt() && v.get(1).canConvertToInt()) {
            return new int[] {v.get(0).intValue(), v.get(1).intValue()};
        }
        problem(key, "must be an integer or [width, height], got " + describe(v));
        return fallback;
    }

    /** A nested object, or null (with a problem recorded when the key holds something else). */
    JsonFields object(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            problem(key, "must be an object, got " + describe(v));
            return null;
        }
        return new JsonFields(v, path(key), problems, unknown);
    }

    /** Each element of an array of objects, mapped; absence, an empty array, null elements and non-objects are problems. */
    <T> List<T> objects(String key, Function<JsonFields, T> reader) {
        return objects(key, reader, true);
    }

    /** As {@link #objects(String, Function)}, but an absent or empty array is an empty list. */
    <T> List<T> optionalObjects(String key, Function<JsonFields, T> reader) {
        return objects(key, reader, false);
    }

    private <T> List<T> objects(String key, Function<JsonFields, T> reader, boolean required) {
        JsonNode v = node.get(key);
        List<T> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            if (required) {
                problem(key, "missing");
            }
            return out;
        }
        if (!v.isArray()) {
            problem(key, "must be an array, got " + describe(v));
            return out;
        }
        if (v.isEmpty() && required) {
            problem(key, "must not be empty");
        }
        for (int i = 0; i < v.size(); i++) {
            String elementPath = path(key) + "[" + i + "]";
            if (!v.get(i).isObject()) {
                problems.add(elementPath + ": must be an object, got " + describe(v.get(i)));
                continue;
            }
            out.add(reader.apply(new JsonFields(v.get(i), elementPath, problems, unknown)));
        }
        return out;
    }

    private static String describe(JsonNode v) {
        String text = v.toString();
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " "
                + (text.length() > 40 ? text.substring(0, 40) + "…" : text);
    }
}
