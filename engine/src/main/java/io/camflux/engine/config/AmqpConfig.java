package io.camflux.engine.config;

/**
 * The broker. Without this block, events go to standard output. The password comes from the environment
 * ({@code CAMFLUX_AMQP_PASSWORD}); without it, {@code guest}/{@code guest} is used, and only on loopback.
 *
 * @param bufferSize  events held in memory while the broker is away; beyond it the oldest are dropped and
 *                    counted as lost ({@code events_lost_total{reason="buffer_full"}})
 * @param maxInFlight events published and not yet confirmed, at most
 */
public record AmqpConfig(String host, int port, String vhost, String username, boolean tls, String exStatus,
                         String exDetect, int bufferSize, int maxInFlight) {

    public boolean isLoopback() {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
}
