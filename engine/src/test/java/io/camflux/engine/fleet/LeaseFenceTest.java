package io.camflux.engine.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.event.LeaseTag;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The fence reads the monotonic clock at every question, so a stopped process that continues is fenced at once. */
class LeaseFenceTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final LeaseFence fence = new LeaseFence(now::get);
    private final LeaseTag tag = new LeaseTag("shard-1", 3);

    @Test
    void admitsTheLeasesCamerasUntilTheFenceInstantAndNothingAfter() {
        assertNull(fence.admit("a"), "nothing without a lease");
        fence.grant(new LeaseFence.Grant(tag, Set.of("a"), 5_000));
        assertEquals(tag, fence.admit("a"));
        assertNull(fence.admit("z"), "a camera of no lease");
        now.set(4_999);
        assertTrue(fence.held());
        now.set(5_000);
        assertNull(fence.admit("a"), "at the fence instant");
        assertFalse(fence.held());
        // a process stopped (SIGSTOP) for an hour continues: the first question after it is already refused
        now.set(3_600_000_000_000L);
        assertNull(fence.admit("a"));
        assertEquals(tag, fence.tagOf("a"), "status events still name the lease they were under");
    }

    @Test
    void aRevokedLeaseAdmitsNothingAndItsTagStaysForTheLastStatuses() {
        fence.grant(new LeaseFence.Grant(tag, Set.of("a"), 5_000));
        fence.revoke();
        assertNull(fence.admit("a"));
        assertEquals(tag, fence.tagOf("a"));
        LeaseTag next = new LeaseTag("shard-2", 1);
        fence.grant(new LeaseFence.Grant(next, Set.of("b"), 9_000));
        assertEquals(next, fence.admit("b"));
        assertEquals(tag, fence.tagOf("a"));
    }

    @Test
    void theMarginIsTwoSecondsOrAFifthOfTheTtlButAlwaysAfterTheRenewal() {
        assertEquals(Duration.ofSeconds(2), LeaseFence.margin(Duration.ofSeconds(9)));
        assertEquals(Duration.ofSeconds(6), LeaseFence.margin(Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(1), LeaseFence.margin(Duration.ofSeconds(3)), "ttl/3 at most");
    }
}
