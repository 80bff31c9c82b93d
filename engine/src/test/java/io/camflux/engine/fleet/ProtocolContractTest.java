package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAPI file's schemas accept the documented examples and refuse what breaks them (so a check can fail). */
class ProtocolContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anAcquireRequestConformsAndAMalformedOneDoesNot() throws Exception {
        ObjectNode ok = (ObjectNode) JSON.readTree(
                "{\"runner_id\":\"w-1\",\"capacity\":{\"max_cameras\":16,\"provider\":\"cuda\"},\"version\":\"1\"}");
        assertEquals(List.of(), ProtocolContract.problems("AcquireRequest", ok));
        ObjectNode bad = ok.deepCopy();
        bad.remove("runner_id");
        ((ObjectNode) bad.get("capacity")).put("max_cameras", 0);
        List<String> problems = ProtocolContract.problems("AcquireRequest", bad);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("runner_id")), problems.toString());
    }

    @Test
    void aLeaseNeedsItsEpochAndShard() throws Exception {
        String lease = "{\"lease_id\":\"l-1\",\"shard_id\":\"s-1\",\"epoch\":3,\"ttl_seconds\":15,"
                + "\"shard_version\":\"7\",\"shard\":{\"sources\":[{\"camera_uuid\":\"c\",\"url\":\"rtsp://h/1\"}]}}";
        assertEquals(List.of(), ProtocolContract.problems("Lease", JSON.readTree(lease)));
        assertFalse(ProtocolContract.problems("Lease", JSON.readTree(lease.replace("\"epoch\":3", "\"epoch\":0")))
                .isEmpty());
        assertFalse(ProtocolContract.problems("Lease", JSON.readTree(lease.replace("\"url\"", "\"uri\""))).isEmpty());
    }
}
