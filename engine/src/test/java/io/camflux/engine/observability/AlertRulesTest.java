package io.camflux.engine.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.camflux.model.TestAssets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/prometheus/alerts.yml with Prometheus' own promtool: the rules check, and alerts.test.yml proves each alert
 * fires and stays quiet where it should (with its summary as an on-call person reads it). The dashboard model is
 * checked here too, without Prometheus (DashboardIT runs its queries).
 */
class AlertRulesTest {
    @TempDir
    Path dir;

    private static String promtool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(DashboardIT.ALERTS.getParent().toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void theRulesCheckAndEveryAlertFiresAndStaysQuietWhereItShould() throws Exception {
        assertTrue(promtool("check", "rules", "alerts.yml").contains("SUCCESS: 8 rules found"));
        String tests = Files.readString(DashboardIT.ALERTS.resolveSibling("alerts.test.yml"));
        for (String alert : new String[] {"CamfluxCameraDown", "CamfluxStaleFrames", "CamfluxEventsLost",
                "CamfluxBrokerDisconnected", "CamfluxNotReady", "CamfluxInferenceErrors", "CamfluxSaturated",
                "CamfluxLeaseLost"}) {
            assertTrue(tests.split("alertname: " + alert + "\n", -1).length - 1 >= 2,
                    alert + " has a firing and a quiet case");
        }
        assertTrue(promtool("test", "rules", "alerts.test.yml").contains("SUCCESS"));
    }

    @Test
    void aRuleTestThatExpectsTheWrongAlertFails() throws Exception {
        // the harness can fail: the camera-down case expecting a camera that stayed up
        String tests = Files.readString(DashboardIT.ALERTS.resolveSibling("alerts.test.yml"))
                .replace("rule_files:\n  - alerts.yml", "rule_files:\n  - " + DashboardIT.ALERTS)
                .replaceFirst("camera_uuid: gate-1\\}", "camera_uuid: gate-2}");
        Path broken = Files.writeString(dir.resolve("broken.test.yml"), tests);
        Process p = new ProcessBuilder("promtool", "test", "rules", broken.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("CamfluxCameraDown"), out);
    }

    @Test
    void theDashboardIsAWellFormedModelAndTheCheckCatchesABrokenOne() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode dashboard = json.readTree(DashboardIT.DASHBOARD.toFile());
        assertEquals(List.of(), DashboardModel.problems(dashboard));
        assertTrue(DashboardModel.panels(dashboard).size() >= 20, "a panel for each thing the issue names");
        com.fasterxml.jackson.databind.node.ObjectNode target = (com.fasterxml.jackson.databind.node.ObjectNode)
                DashboardModel.panels(dashboard).get(0).path("targets").get(0);
        target.put("expr", target.path("expr").asText().replace("$instance", "$worker"));
        assertTrue(DashboardModel.problems(dashboard).stream().anyMatch(p -> p.contains("$worker")),
                "an unknown variable is caught: " + DashboardModel.problems(dashboard));
    }
}
