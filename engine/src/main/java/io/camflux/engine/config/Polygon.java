package io.camflux.engine.config;

import java.util.List;

/** A region in source-image pixels, e.g. a motion mask. */
public record Polygon(List<Point> points) {

    public Polygon {
        points = List.copyOf(points);
    }

    public record Point(double x, double y) {
    }
}
