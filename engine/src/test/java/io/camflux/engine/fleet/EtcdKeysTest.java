package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EtcdKeysTest {
    private final EtcdKeys keys = new EtcdKeys("/fleet");

    private static EtcdClient.KeyValue kv(String key, String value, long rev) {
        return new EtcdClient.KeyValue(key, value, rev, rev, 0);
    }

    private EtcdKeys.State state() {
        return EtcdKeys.State.of(keys, List.of(
                kv("/fleet/shards/a", "{}", 1), kv("/fleet/shards/b", "{}", 2), kv("/fleet/shards/c", "{}", 3),
                kv("/fleet/owners/a", "{\"runner_id\": \"w1\"}", 10), kv("/fleet/owners/b", "{\"runner_id\": \"w1\"}", 11),
                kv("/fleet/workers/w1", "{}", 4), kv("/fleet/workers/w2", "{}", 5),
                kv("/fleet/moves/a", "{\"from\": \"w1\"}", 12),
                kv("/fleet/other/x", "{}", 6), kv("/fleet/shards/", "{}", 7), kv("/fleetx/shards/z", "{}", 8)), 12);
    }

    @Test
    void keysAreReadByKindAndIdIgnoringWhatIsNotTheFleets() {
        EtcdKeys.State s = state();
        assertEquals(Set.of("a", "b", "c"), s.shards().keySet());
        assertEquals(Set.of("a", "b"), s.owners().keySet());
        assertEquals(Set.of("w1", "w2"), s.workers().keySet());
        assertEquals("w1", s.holder("a"));
        assertNull(s.holder("c"));
        assertEquals("/fleet/owners/a", keys.owner("a"));
        assertEquals("/fleet/", keys.root());
    }

    @Test
    void aMoveIsForItsHolderOnly() {
        assertTrue(state().moveAway("a", "w1"));
        assertFalse(state().moveAway("a", "w2"));
        assertFalse(state().moveAway("b", "w1"));
    }

    @Test
    void theLeastLoadCountsEveryLiveWorkerAndThisOnesOwnCount() {
        EtcdKeys.State s = state();
        assertEquals(0, s.leastLoad("w1", 2), "w2 holds nothing");
        assertEquals(2, s.leastLoad("w2", 3), "w1's two owner keys");
        assertEquals(0, s.leastLoad("w3", 0), "a worker not registered yet counts as itself");
        EtcdKeys.State alone = EtcdKeys.State.of(keys, List.of(kv("/fleet/workers/w1", "{}", 1),
                kv("/fleet/owners/a", "{\"runner_id\": \"w1\"}", 2)), 2);
        assertEquals(1, alone.leastLoad("w1", 1));
    }

    @Test
    void thePrefixEndCoversExactlyThePrefix() {
        assertEquals(java.util.Base64.getEncoder().encodeToString("/fleet0".getBytes()), EtcdClient.prefixEnd("/fleet/"));
    }
}
