package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.config.ConfigException;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.event.EventJson;
import io.camflux.engine.publish.StdoutSink;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code java -jar camflux.jar --config FILE [--duration D]}: runs one shard, writing events as JSON lines to
 * standard output (logs go to standard error).
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FATAL = 1;
    static final int EXIT_USAGE = 2;
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(30);

    private Main() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("camflux: " + e.getMessage());
            err.println(Args.USAGE);
            return EXIT_USAGE;
        }
        if (args.help()) {
            out.println(Args.USAGE);
            return EXIT_OK;
        }
        ShardConfig config;
        try {
            config = ConfigLoader.load(args.config());
        } catch (ConfigException e) {
            err.println("camflux: " + e.getMessage());
            return EXIT_USAGE;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        if (config.amqp() != null) {
            log.warn("the config has an amqp block, but this build publishes to standard output only");
        }
        CamFlux engine;
        try {
            engine = CamFlux.builder(config).build();
        } catch (Exception e) {
            err.println("camflux: " + e.getMessage());
            return EXIT_FATAL;
        }
        return runEngine(engine, args.duration(), out, err, log);
    }

    private static int runEngine(CamFlux engine, Duration duration, PrintStream out, PrintStream err, Logger log) {
        ShardConfig config = engine.config();
        StdoutSink sink = new StdoutSink(out, Schedulers.boundedElastic());
        AtomicLong events = new AtomicLong();
        RunSummary summary = new RunSummary();
        Disposable statuses = sink.write(engine.statuses()
                .map(s -> EventJson.status(s, config.runnerId(), config.shardId()))).subscribe();
        Mono<Void> detections = sink.write(engine.detections()
                .doOnNext(e -> events.incrementAndGet())
                .map(EventJson::detection));
        Thread drainOnSigterm = new Thread(() -> {
            log.info("SIGTERM: draining (stop intake, finish in-flight batches)");
            engine.stopIntake().block(DRAIN_GRACE);
        }, "camflux-drain");
        Runtime.getRuntime().addShutdownHook(drainOnSigterm);
        if (duration != null) {
            Mono.delay(duration).subscribe(t -> {
                log.info("--duration {} reached: draining", duration);
                engine.stopIntake().subscribe();
            });
        }
        int exit = EXIT_OK;
        try {
            detections.block();
        } catch (RuntimeException e) {
            log.error("the pipeline failed", e);
            exit = EXIT_FATAL;
        } finally {
            statuses.dispose();
            err.print(summary.describe(engine, events.get()));
            engine.close();
            try {
                Runtime.getRuntime().removeShutdownHook(drainOnSigterm);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what brought us here
            }
        }
        return exit;
    }
}
