package io.camflux.engine.publish;

/**
 * One message for the broker: where it goes, its JSON body and id, and what to do once it is confirmed.
 */
public record OutboundEvent(String exchange, String routingKey, String messageId, byte[] body, Runnable onConfirmed) {
}
