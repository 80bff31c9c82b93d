package io.camflux.engine.config;

import java.util.List;
import java.util.Set;

/**
 * A source's zones and lines, in source pixels. An object is in a zone by the bottom centre of its box (where it
 * stands), as DeepStream's analytics do; it crosses a line when that point's path between two frames crosses it.
 */
public record SceneConfig(List<Zone> zones, List<Line> lines) {
    public static final SceneConfig NONE = new SceneConfig(List.of(), List.of());

    public SceneConfig {
        zones = List.copyOf(zones);
        lines = List.copyOf(lines);
    }

    public boolean isEmpty() {
        return zones.isEmpty() && lines.isEmpty();
    }

    /** A zone's or line's {@code classes}: empty counts every class. */
    private static boolean counts(Set<String> classes, String className) {
        return classes.isEmpty() || classes.contains(className);
    }

    /**
     * @param classes    the classes it counts (empty: all)
     * @param minSeconds how long an object must be inside (outside) before it enters (leaves): an edge's jitter
     *                   does not flap
     */
    public record Zone(String name, Polygon polygon, Set<String> classes, double minSeconds) {
        public Zone {
            classes = Set.copyOf(classes);
        }

        public boolean counts(String className) {
            return SceneConfig.counts(classes, className);
        }

        /** Ray casting: whether ({@code x}, {@code y}) lies inside the polygon. */
        public boolean contains(double x, double y) {
            List<Polygon.Point> p = polygon.points();
            boolean inside = false;
            for (int i = 0, j = p.size() - 1; i < p.size(); j = i++) {
                Polygon.Point a = p.get(i), b = p.get(j);
                if ((a.y() > y) != (b.y() > y) && x < (b.x() - a.x()) * (y - a.y()) / (b.y() - a.y()) + a.x()) {
                    inside = !inside;
                }
            }
            return inside;
        }
    }

    /** A line from {@code from} to {@code to}; directions are as seen facing from {@code from} towards {@code to}. */
    public record Line(String name, Polygon.Point from, Polygon.Point to, Set<String> classes) {
        public Line {
            classes = Set.copyOf(classes);
        }

        public boolean counts(String className) {
            return SceneConfig.counts(classes, className);
        }

        /** Which side of the line a point is on: > 0 right, < 0 left (image y grows downwards). */
        public double side(double x, double y) {
            return (to.x() - from.x()) * (y - from.y()) - (to.y() - from.y()) * (x - from.x());
        }

        /**
         * The direction in which the path from ({@code x0}, {@code y0}) to ({@code x1}, {@code y1}) crosses this
         * segment, or null when it does not.
         */
        public String crossing(double x0, double y0, double x1, double y1) {
            double s0 = side(x0, y0), s1 = side(x1, y1);
            if (s0 == 0 || s1 == 0 || (s0 > 0) == (s1 > 0)) {
                return null;
            }
            // the line's end points must lie on either side of the path, too (a segment, not an infinite line)
            double e0 = (x1 - x0) * (from.y() - y0) - (y1 - y0) * (from.x() - x0);
            double e1 = (x1 - x0) * (to.y() - y0) - (y1 - y0) * (to.x() - x0);
            if ((e0 > 0) == (e1 > 0) && e0 != 0 && e1 != 0) {
                return null;
            }
            return s0 < 0 ? "left_to_right" : "right_to_left";
        }
    }
}
