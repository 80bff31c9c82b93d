package io.camflux.engine.fleet;

/** A request to the control plane that did not get a usable answer, and what that means for the lease. */
public final class ControlPlaneException extends RuntimeException {

    public enum Kind {
        /** 404, 409, 410 on a renewal: the lease is no longer this worker's. */
        LOST("lost"),
        /** 401, 403: the token is wrong or lacks the right; retrying will not help until it changes. */
        REFUSED("refused"),
        /** No answer, a timeout, or 5xx (and other unexpected statuses): retry with backoff. */
        UNAVAILABLE("error"),
        /** An answer this worker cannot use (malformed JSON, missing fields, an invalid shard): retry with backoff. */
        INVALID("invalid");

        final String metric;

        Kind(String metric) {
            this.metric = metric;
        }
    }

    private final Kind kind;
    private final int status;
    private final String refusedLease;

    ControlPlaneException(Kind kind, int status, String message, Throwable cause) {
        this(kind, status, message, cause, null);
    }

    ControlPlaneException(Kind kind, int status, String message, Throwable cause, String refusedLease) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.refusedLease = refusedLease;
    }

    /** The id of a lease granted in an answer this worker refused (to give back at once), or null. */
    public String refusedLease() {
        return refusedLease;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }
}
