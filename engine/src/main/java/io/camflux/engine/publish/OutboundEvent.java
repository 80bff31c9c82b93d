package io.camflux.engine.publish;

import java.util.function.BooleanSupplier;

/**
 * One message for the broker: where it goes, its JSON body and id, what to do once it is confirmed, and whether
 * it may still be sent (asked right before every attempt: a fenced lease's events are not sent).
 */
public record OutboundEvent(String exchange, String routingKey, String messageId, byte[] body, Runnable onConfirmed,
                            BooleanSupplier permitted) {
    private static final BooleanSupplier ALWAYS = () -> true;

    /** An event that may always be sent. */
    public OutboundEvent(String exchange, String routingKey, String messageId, byte[] body, Runnable onConfirmed) {
        this(exchange, routingKey, messageId, body, onConfirmed, ALWAYS);
    }
}
