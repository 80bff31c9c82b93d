package io.camflux.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** A camera's undecodable packets as Prometheus shows them: no series until the first, then counted, gone at close. */
class CameraMetersTest {

    @Test
    void undecodablePacketsAreASeriesOfTheirOwnFromTheFirst() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CameraMeters meters = new CameraMeters("cam-1", registry);
        assertFalse(registry.scrape().contains("frames_undecodable_total"), "no series before the first");
        meters.undecodable(2);
        meters.undecodable(1);
        assertEquals(3, meters.undecodableCount());
        assertTrue(registry.scrape().contains("frames_undecodable_total{camera_uuid=\"cam-1\"} 3.0"), registry.scrape());
        meters.close();
        assertFalse(registry.scrape().contains("frames_undecodable_total"), "removed with the camera");
    }
}
