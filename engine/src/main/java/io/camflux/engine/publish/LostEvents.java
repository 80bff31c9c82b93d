package io.camflux.engine.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code events_lost_total{reason}}: events that will never be delivered, whatever the sink, by reason. */
public final class LostEvents {
    /** Withheld: the lease they were made under was fenced (another worker may hold the shard now). */
    public static final String LEASE_FENCED = "lease_fenced";
    /** Unconfirmed by the broker at the exit. */
    public static final String SHUTDOWN = "shutdown";
    /** The broker was away longer than {@code amqp.buffer_size} events: the oldest were dropped. */
    public static final String BUFFER_FULL = "buffer_full";
    /** Refused by the broker (nack) at every resend. */
    public static final String BROKER_REJECTED = "broker_rejected";

    private LostEvents() {
    }

    public static Counter counter(MeterRegistry registry, String reason) {
        return Counter.builder("events.lost").description("events that will never be delivered, by reason")
                .tag("reason", reason).register(registry);
    }

    /** Every event lost so far, whatever the reason. */
    public static long total(MeterRegistry registry) {
        return (long) registry.find("events.lost").counters().stream().mapToDouble(Counter::count).sum();
    }
}
