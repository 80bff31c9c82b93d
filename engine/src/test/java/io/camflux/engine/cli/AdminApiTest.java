package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.CamFlux;
import io.camflux.engine.CameraState;
import io.camflux.engine.config.HttpConfig;
import io.camflux.engine.config.SourceConfig;
import io.camflux.engine.http.Controls;
import io.camflux.engine.http.HealthServer;
import io.camflux.engine.testing.FakeDetectors;
import io.camflux.engine.testing.TestConfigs;
import io.camflux.model.TestAssets;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** The admin API over HTTP on a running engine with real decoded clips: every answer it promises. */
class AdminApiTest {
    private final HttpClient client = HttpClient.newHttpClient();

    private static SourceConfig clip(String id, String file) {
        return TestConfigs.file(id, TestAssets.media(file).toString(), true, true);
    }

    @Test
    void sourcesAreListedAddedReplacedPausedResumedAndRemoved() throws Exception {
        Path media = TestAssets.media("cam1.mp4").getParent();
        var config = TestConfigs.shard(6, 8, List.of(clip("a", "cam1.mp4"), clip("b", "cam2.mp4")));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (CamFlux engine = CamFlux.builder(config).maxSources(3).meterRegistry(registry)
                .detector(FakeDetectors.fixedCost(0)).detector("vehicles", FakeDetectors.fixedCost(0)).build();
             HealthServer server = new HealthServer(new HttpConfig("127.0.0.1", 0, 0, 0.8, Duration.ofSeconds(5)),
                     controls(), new EngineSourceAdmin(engine, media), registry, "s3cret").start()) {
            Disposable running = engine.detections().subscribe();
            String base = "http://127.0.0.1:" + server.port();

            assertEquals(401, send(base + "/sources", "GET", null, null).statusCode(), "no token");
            HttpResponse<String> list = send(base + "/sources", "GET", null, "s3cret");
            assertEquals(200, list.statusCode());
            assertTrue(list.body().contains("\"camera_uuid\":\"a\"") && list.body().contains("\"camera_uuid\":\"b\""),
                    list.body());

            String c = "{\"url\": \"cam3.mp4\", \"loop\": true, \"site_id\": \"site-C\"}";
            assertEquals(201, send(base + "/sources/c", "PUT", c, "s3cret").statusCode(), "added");
            assertEquals(200, send(base + "/sources/c", "PUT", c, "s3cret").statusCode(), "the same: unchanged");
            awaitState(engine, "c", CameraState.STREAMING);
            String moved = "{\"url\": \"cam4.mp4\", \"loop\": true}";
            HttpResponse<String> replaced = send(base + "/sources/c", "PUT", moved, "s3cret");
            assertEquals(200, replaced.statusCode());
            assertTrue(replaced.body().contains("\"change\":\"replaced\""), replaced.body());

            HttpResponse<String> bad = send(base + "/sources/d", "PUT",
                    "{\"url\": \"cam4.mp4\", \"timeout_ms\": -1, \"bogus\": 1}", "s3cret");
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("timeout_ms: must be > 0") && bad.body().contains("bogus: unknown key"),
                    bad.body());
            assertEquals(400, send(base + "/sources/d", "PUT", "{not json", "s3cret").statusCode());
            HttpResponse<String> zoned = send(base + "/sources/d", "PUT", "{\"url\": \"cam4.mp4\", \"zones\":"
                    + " [{\"name\": \"door\", \"polygon\": [[0,0],[10,0],[10,10]]}]}", "s3cret");
            assertEquals(400, zoned.statusCode(), "zones with tracking off, refused as the config file refuses them");
            assertTrue(zoned.body().contains("zones: zones and lines need tracking"), zoned.body());
            HttpResponse<String> dotted = send(base + "/sources/cam.7", "PUT",
                    "{\"url\": \"cam4.mp4\", \"site_id\": \"site #1\"}", "s3cret");
            assertEquals(400, dotted.statusCode(), "an id that would split or wildcard a routing key");
            assertTrue(dotted.body().contains("camera_uuid: 'cam.7' is not a valid id")
                    && dotted.body().contains("site_id: 'site #1' is not a valid id"), dotted.body());
            HttpResponse<String> unknownModel = send(base + "/sources/c", "PUT",
                    "{\"url\": \"cam4.mp4\", \"loop\": true, \"model\": \"trucks\"}", "s3cret");
            assertEquals(400, unknownModel.statusCode());
            assertTrue(unknownModel.body().contains("model: no model named 'trucks' (this worker has: default, vehicles)"),
                    unknownModel.body());
            HttpResponse<String> switched = send(base + "/sources/c", "PUT",
                    "{\"url\": \"cam4.mp4\", \"loop\": true, \"model\": \"vehicles\"}", "s3cret");
            assertEquals(200, switched.statusCode(), switched.body());
            assertTrue(switched.body().contains("\"change\":\"replaced\""), "another model restarts the camera: "
                    + switched.body());
            assertTrue(send(base + "/sources", "GET", null, "s3cret").body().contains("\"model\":\"vehicles\""));
            HttpResponse<String> full = send(base + "/sources/d", "PUT", moved, "s3cret");
            assertEquals(409, full.statusCode(), "max_sources is 3: " + full.body());

            assertEquals(200, send(base + "/sources/c/pause", "POST", "", "s3cret").statusCode());
            awaitState(engine, "c", CameraState.PAUSED);
            assertEquals(200, send(base + "/sources/c/resume", "POST", "", "s3cret").statusCode());
            awaitState(engine, "c", CameraState.STREAMING);

            assertEquals(404, send(base + "/sources/zz", "DELETE", null, "s3cret").statusCode());
            assertEquals(202, send(base + "/sources/c", "DELETE", null, "s3cret").statusCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // the removal goes on after the 202: the camera leaves the set, then (its frames released) its series
            while ((engine.cameras().size() > 2 || registry.scrape().contains("camera_uuid=\"c\""))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of("a", "b"), engine.cameras().stream().map(x -> x.config().cameraUuid()).toList());
            assertTrue(!registry.scrape().contains("camera_uuid=\"c\""), "no series of c on /metrics");
            assertEquals(405, send(base + "/sources/a", "POST", "", "s3cret").statusCode());
            running.dispose();
        }
    }

    private static void awaitState(CamFlux engine, String id, CameraState state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            var camera = engine.cameras().stream().filter(x -> x.config().cameraUuid().equals(id)).findFirst();
            if (camera.isPresent() && camera.get().state() == state) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("camera " + id + " not " + state + " within 15 s");
    }

    private HttpResponse<String> send(String url, String method, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Controls controls() {
        return new Controls() {
            @Override
            public boolean draining() {
                return false;
            }

            @Override
            public int camerasStreaming() {
                return 0;
            }

            @Override
            public int camerasTotal() {
                return 0;
            }

            @Override
            public void drain() {
            }

            @Override
            public void terminate() {
            }
        };
    }
}
