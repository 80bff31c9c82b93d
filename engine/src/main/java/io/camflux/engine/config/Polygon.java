package io.camflux.engine.config;

import java.util.List;

/** A region in source-image pixels, e.g. a motion mask or a zone. */
public record Polygon(List<Point> points) {
    /** Larger than any picture's side (8K is 7680): a coordinate beyond it is a typo, not a place. */
    public static final double MAX_COORDINATE = 32768;

    public Polygon {
        points = List.copyOf(points);
    }

    public record Point(double x, double y) {
    }

    /** The enclosed area (shoelace formula), 0 for points on one line. */
    public double area() {
        double twice = 0;
        for (int i = 0; i < points.size(); i++) {
            Point a = points.get(i), b = points.get((i + 1) % points.size());
            twice += a.x * b.y - b.x * a.y;
        }
        return Math.abs(twice) / 2;
    }

    /** The first two edges that cross (not neighbours), as their start indices, or null when none do. */
    public int[] crossingEdges() {
        int n = points.size();
        for (int i = 0; i < n; i++) {
            for (int j = i + 2; j < n; j++) {
                if (i == 0 && j == n - 1) {
                    continue; // the closing edge is the first edge's neighbour
                }
                if (cross(points.get(i), points.get((i + 1) % n), points.get(j), points.get((j + 1) % n))) {
                    return new int[] {i, j};
                }
            }
        }
        return null;
    }

    private static boolean cross(Point a, Point b, Point c, Point d) {
        double d1 = side(c, d, a), d2 = side(c, d, b), d3 = side(a, b, c), d4 = side(a, b, d);
        return (d1 > 0 && d2 < 0 || d1 < 0 && d2 > 0) && (d3 > 0 && d4 < 0 || d3 < 0 && d4 > 0);
    }

    private static double side(Point a, Point b, Point p) {
        return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
    }
}
