package io.camflux.engine.publish;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import io.camflux.engine.config.AmqpConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.rabbitmq.ChannelPool;
import reactor.rabbitmq.ChannelPoolFactory;
import reactor.rabbitmq.ChannelPoolOptions;
import reactor.rabbitmq.ExchangeSpecification;
import reactor.rabbitmq.OutboundMessage;
import reactor.rabbitmq.OutboundMessageResult;
import reactor.rabbitmq.RabbitFlux;
import reactor.rabbitmq.SendOptions;
import reactor.rabbitmq.Sender;
import reactor.rabbitmq.SenderOptions;
import reactor.core.Exceptions;
import reactor.util.retry.Retry;

/**
 * Publishes events to RabbitMQ with publisher confirms (Reactor RabbitMQ): an event counts as published only
 * once the broker confirms it; a failed send or a lost connection sends it again after a backoff, for as long as
 * it takes (so a consumer may see a duplicate, never a gap). A nack (the broker refused it: a queue full with
 * {@code overflow: reject-publish}) is sent again a few times with a longer backoff, then counted as lost
 * ({@code broker_rejected}): every resend also reaches the queues that took it, so resending for ever would flood
 * them. While the broker is away, events wait in a bounded buffer; past it the oldest are dropped and counted
 * ({@code events_lost_total{reason}}), never silently.
 */
public final class RabbitSink implements EventSink {
    public static final String PASSWORD_ENV = "CAMFLUX_AMQP_PASSWORD";
    private static final Logger log = LoggerFactory.getLogger(RabbitSink.class);
    private static final Duration RETRY_MIN = Duration.ofMillis(200);
    private static final Duration RETRY_MAX = Duration.ofSeconds(5);

    private final AmqpConfig config;
    private final Scheduler timer;
    private final Sender sender;
    private final ChannelPool channels;
    private final SendOptions sendOptions;
    private final Mono<Void> exchangesDeclared;
    private final AtomicReference<Connection> connection = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter confirms;
    private final Counter nacks;
    private final Counter secondConfirms;
    private final MeterRegistry registry;
    private final NackPolicy nackPolicy;

    /** How often, and how far apart, an event the broker refused is sent again before it counts as lost. */
    record NackPolicy(int resends, Duration first, Duration max) {
        static final NackPolicy DEFAULT = new NackPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(10));
    }

    /** The broker refused the event (a nack). */
    private static final class Nacked extends IllegalStateException {
        Nacked() {
            super("the broker refused the event (nack)");
        }
    }

    public RabbitSink(AmqpConfig config, String password, String clientName, MeterRegistry registry, Scheduler timer) {
        this(config, password, clientName, registry, timer, NackPolicy.DEFAULT);
    }

    RabbitSink(AmqpConfig config, String password, String clientName, MeterRegistry registry, Scheduler timer,
               NackPolicy nackPolicy) {
        this.nackPolicy = nackPolicy;
        this.config = config;
        this.timer = timer;
        this.registry = registry;
        ConnectionFactory factory = connectionFactory(config, password);
        Mono<Connection> connectionMono = Mono.fromCallable(() -> factory.newConnection(clientName))
                .subscribeOn(Schedulers.boundedElastic())
                .doOnNext(c -> {
                    connection.set(c);
                    lastError.set(null);
                    log.info("connected to RabbitMQ at {}:{} vhost '{}' as '{}'", config.host(), config.port(),
                            config.vhost(), config.username());
                })
                .doOnError(e -> {
                    lastError.set(describe(e));
                    log.error("RabbitMQ: {}; retrying", lastError.get());
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500)).maxBackoff(Duration.ofSeconds(10))
                        .scheduler(timer))
                .cache();
        this.channels = ChannelPoolFactory.createChannelPool(connectionMono, new ChannelPoolOptions().maxCacheSize(8));
        // a failed send fails at once: the retry with backoff below waits without holding a thread
        this.sendOptions = new SendOptions().channelPool(channels).exceptionHandler((context, e) -> {
            throw new reactor.rabbitmq.RabbitFluxException(e);
        });
        this.sender = RabbitFlux.createSender(new SenderOptions().connectionMono(connectionMono)
                .resourceManagementScheduler(Schedulers.boundedElastic()));
        this.exchangesDeclared = Mono.when(
                        sender.declareExchange(ExchangeSpecification.exchange(config.exDetect()).type("topic").durable(true)),
                        sender.declareExchange(ExchangeSpecification.exchange(config.exStatus()).type("topic").durable(true)))
                .doOnError(e -> log.warn("declaring the exchanges failed ({}); retrying", e.toString()))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, RETRY_MIN).maxBackoff(RETRY_MAX).scheduler(timer))
                .cache();
        this.confirms = Counter.builder("broker.confirms").description("events the broker confirmed").register(registry);
        this.nacks = Counter.builder("broker.nacks").description("sends the broker refused or that failed; retried")
                .register(registry);
        this.secondConfirms = Counter.builder("broker.confirms.repeated")
                .description("confirm signals for an event already confirmed (not counted again)").register(registry);
        Gauge.builder("broker.connected", this, s -> s.connected() ? 1 : 0)
                .description("1 while the broker connection is open").register(registry);
        for (String reason : new String[] {LostEvents.BUFFER_FULL, LostEvents.SHUTDOWN, LostEvents.BROKER_REJECTED}) {
            lostCounter(reason);
        }
        Gauge.builder("events.pending", pending, AtomicInteger::get)
                .description("events buffered or in flight to the broker").register(registry);
    }

    /** The password from the environment, or guest only for a broker on loopback. */
    public static String password(AmqpConfig config, String fromEnvironment) {
        if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
            return fromEnvironment;
        }
        if (!config.isLoopback()) {
            throw new IllegalArgumentException("amqp.host " + config.host() + " is not on loopback: set "
                    + PASSWORD_ENV + " (the guest account works on loopback only)");
        }
        return "guest";
    }

    private static ConnectionFactory connectionFactory(AmqpConfig config, String password) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(config.host());
        f.setPort(config.port());
        f.setVirtualHost(config.vhost());
        f.setUsername(config.username());
        f.setPassword(password);
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(false);
        f.setNetworkRecoveryInterval(1000);
        f.setConnectionTimeout(5000);
        f.setRequestedHeartbeat(10);
        if (config.tls()) {
            try {
                f.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
                f.enableHostnameVerification();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("no default TLS context", e);
            }
        }
        return f;
    }

    private String describe(Throwable e) {
        String where = config.host() + ":" + config.port() + " vhost '" + config.vhost() + "'";
        if (e instanceof AuthenticationFailureException || e instanceof PossibleAuthenticationFailureException) {
            return "authentication failed for user '" + config.username() + "' at " + where
                    + " (check amqp.username and " + PASSWORD_ENV + ")";
        }
        return "cannot connect to " + where + ": " + e;
    }

    /**
     * Connects and declares the exchanges now instead of at the first event (a fleet's standby, which publishes
     * nothing until it holds a lease, is then known to reach its broker); retried in the background.
     */
    @Override
    public void connect() {
        exchangesDeclared.subscribe(null, e -> log.warn("RabbitMQ: {}", e.toString()));
    }

    /** Whether the broker connection is open now. */
    @Override
    public boolean connected() {
        Connection c = connection.get();
        return c != null && c.isOpen();
    }

    /** The last connection failure, null while connected. */
    public String lastError() {
        return lastError.get();
    }

    /** Events buffered or waiting for a confirm. */
    public int pending() {
        return pending.get();
    }

    /**
     * Publishes every event; completes once {@code events} has completed and every event is confirmed.
     * Cancelling the subscription leaves {@link #pending()} events unconfirmed.
     */
    @Override
    public Mono<Void> publish(Flux<OutboundEvent> events) {
        return events
                .doOnNext(e -> pending.incrementAndGet())
                .onBackpressureBuffer(config.bufferSize(), dropped -> lost(LostEvents.BUFFER_FULL),
                        BufferOverflowStrategy.DROP_OLDEST)
                .flatMap(this::publishOne, config.maxInFlight())
                .then();
    }

    private Mono<Void> publishOne(OutboundEvent event) {
        AtomicBoolean settled = new AtomicBoolean();
        OutboundMessage message = new OutboundMessage(event.exchange(), event.routingKey(),
                new AMQP.BasicProperties.Builder().contentType("application/json").deliveryMode(2)
                        .messageId(event.messageId()).timestamp(new Date()).build(),
                event.body());
        return exchangesDeclared
                .then(Mono.defer(() -> {
                    if (!event.permitted().getAsBoolean()) {
                        fenced(event);
                        return Mono.<OutboundMessageResult>empty();
                    }
                    return sender.sendWithPublishConfirms(Mono.just(message), sendOptions).next()
                            .switchIfEmpty(Mono.error(new IllegalStateException("no confirm before the channel closed")));
                }))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(result -> result.isAck() ? Mono.just(result) : Mono.<OutboundMessageResult>error(new Nacked()))
                .doOnError(e -> nacks.increment())
                .retryWhen(Retry.backoff(nackPolicy.resends(), nackPolicy.first()).maxBackoff(nackPolicy.max())
                        .filter(Nacked.class::isInstance).scheduler(timer))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, RETRY_MIN).maxBackoff(RETRY_MAX)
                        .filter(e -> !Exceptions.isRetryExhausted(e)).scheduler(timer))
                .doOnNext(result -> settle(event, settled))
                .onErrorResume(Exceptions::isRetryExhausted, e -> {
                    rejected(event, settled);
                    return Mono.empty();
                })
                .then();
    }

    /** Refused by the broker at every resend: lost, and said once per event. */
    private void rejected(OutboundEvent event, AtomicBoolean settled) {
        if (settled.compareAndSet(false, true)) {
            pending.decrementAndGet();
            lostCounter(LostEvents.BROKER_REJECTED).increment();
            log.error("the broker refused event {} {} times (nack: a queue bound to {} is full and rejects publishes?);"
                    + " counted as lost ({})", event.messageId(), nackPolicy.resends() + 1, event.exchange(),
                    LostEvents.BROKER_REJECTED);
        }
    }

    /**
     * An event is confirmed once, whatever the sender signals: under a channel's recovery Reactor RabbitMQ's
     * confirm subscriber can signal twice (a confirm and the channel's closing, or two results), and each signal
     * would otherwise count the event again, so that {@code events_pending} went below zero in the one-hour soak.
     */
    private void settle(OutboundEvent event, AtomicBoolean settled) {
        if (!settled.compareAndSet(false, true)) {
            secondConfirms.increment();
            log.debug("a second confirm signal for {}: counted once", event.messageId());
            return;
        }
        confirms.increment();
        pending.decrementAndGet();
        event.onConfirmed().run();
    }

    /** Not sent: its lease no longer permits it (another worker may hold the shard now). */
    private void fenced(OutboundEvent event) {
        pending.decrementAndGet();
        lostCounter(LostEvents.LEASE_FENCED).increment();
        log.debug("not sent, its lease is fenced: {}", event.messageId());
    }

    private void lost(String reason) {
        pending.decrementAndGet();
        lostCounter(reason).increment();
        log.error("an event was dropped ({}): the broker has been away longer than amqp.buffer_size events", reason);
    }

    /** Counts what is still unconfirmed as lost with {@code reason} and returns how many. */
    int abandonPending(String reason) {
        int n = pending.getAndSet(0);
        if (n > 0) {
            lostCounter(reason).increment(n);
        }
        return n;
    }

    @Override
    public String finish() {
        int unconfirmed = abandonPending(LostEvents.SHUTDOWN);
        if (unconfirmed == 0) {
            return "broker: every event was confirmed by the broker";
        }
        log.error("{} events were not confirmed by the broker before the exit; counted in events_lost_total with"
                + " reason {}", unconfirmed, LostEvents.SHUTDOWN);
        return String.format("broker: %d events were not confirmed before the exit and are counted as lost",
                unconfirmed);
    }

    private Counter lostCounter(String reason) {
        return LostEvents.counter(registry, reason);
    }

    @Override
    public void close() {
        channels.close();
        sender.close();
    }
}
