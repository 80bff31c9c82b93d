package io.camflux.engine.cli;

import io.camflux.engine.CamFlux;
import io.camflux.engine.config.ConfigException;
import io.camflux.engine.config.ConfigLoader;
import io.camflux.engine.config.ControlPlaneConfig;
import io.camflux.engine.config.ShardConfig;
import io.camflux.engine.config.ShardRules;
import io.camflux.engine.fleet.ControlPlaneClient;
import io.camflux.engine.http.HealthServer;
import io.camflux.engine.fleet.LeaseFence;
import io.camflux.engine.fleet.Coordinator;
import io.camflux.engine.fleet.EtcdClient;
import io.camflux.engine.fleet.EtcdShardKeeper;
import io.camflux.engine.fleet.LeaseKeeper;
import reactor.core.scheduler.Scheduler;
import io.camflux.engine.metrics.EngineMetrics;
import io.camflux.engine.publish.EventSink;
import io.camflux.engine.publish.RabbitSink;
import io.camflux.engine.publish.StdoutSink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import reactor.core.scheduler.Schedulers;

/**
 * {@code java -jar camflux.jar --config FILE [--duration D]}: runs one shard, writing events as JSON lines to
 * standard output (logs go to standard error).
 */
public final class Main {
    /** Not a static field: signals are handled before logging starts (see {@link #run}). */
    private static org.slf4j.Logger log() {
        return org.slf4j.LoggerFactory.getLogger(Main.class);
    }
    static final int EXIT_OK = 0;
    static final int EXIT_FATAL = 1;
    static final int EXIT_USAGE = 2;
    /** The run ended as asked, but some events will never reach the broker (counted in events_lost_total). */
    static final int EXIT_EVENTS_LOST = 3;

    private Main() {
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static final String LOG_FORMAT = "CAMFLUX_LOG_FORMAT";
    static final String LOG_LEVEL = "CAMFLUX_LOG_LEVEL";

    /** As logback reads it (logback.xml): the system property, else the environment. */
    static String setting(String name) {
        return System.getProperty(name, System.getenv(name));
    }

    /** What is wrong with the logging settings, or null (logback would otherwise log nothing, or everything). */
    static String loggingProblem(String format, String level) {
        if (format != null && !format.equals("text") && !format.equals("json")) {
            return LOG_FORMAT + " must be text or json, got '" + format + "'";
        }
        if (level != null && !java.util.Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF")
                .contains(level.toUpperCase(java.util.Locale.ROOT))) {
            return LOG_LEVEL + " must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, got '" + level + "'";
        }
        return null;
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err, true));
    }

    /** @param handleSignals whether SIGTERM/SIGINT drain this run (the process's own run; not in tests) */
    static int run(String[] argv, PrintStream out, PrintStream err, boolean handleSignals) {
        if (argv.length > 0 && argv[0].equals(ShardsCommand.NAME)) {
            return ShardsCommand.run(java.util.Arrays.copyOfRange(argv, 1, argv.length), out, err);
        }
        // first of all: a SIGTERM while the model loads must not become the JVM's exit under native code
        Signals signals = handleSignals ? Signals.install() : null;
        String logging = loggingProblem(setting(LOG_FORMAT), setting(LOG_LEVEL));
        if (logging != null) {
            err.println("camflux: " + logging);
            return EXIT_USAGE;
        }
        if ("json".equals(setting(LOG_FORMAT)) && System.getProperty("logback.configurationFile") == null) {
            // chosen before the first logger: the text configuration does not build the JSON encoder at all
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
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
        String amqpPassword = null;
        if (config.amqp() != null) {
            try {
                amqpPassword = RabbitSink.password(config.amqp(), System.getenv(RabbitSink.PASSWORD_ENV));
            } catch (IllegalArgumentException e) {
                err.println("camflux: invalid config " + args.config() + ":\n  " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        PrometheusMeterRegistry registry = EngineMetrics.prepared(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        CamFlux engine;
        try {
            engine = CamFlux.builder(config).meterRegistry(registry).build();
        } catch (Exception e) {
            err.println("camflux: " + e.getMessage());
            return e instanceof ConfigException || causedBy(e, io.camflux.model.SettingException.class) ? EXIT_USAGE
                    : EXIT_FATAL;
        }
        EventSink sink = config.amqp() == null ? new StdoutSink(out, Schedulers.boundedElastic(), registry)
                : new RabbitSink(config.amqp(), amqpPassword, "camflux-" + config.runnerId() + "-" + config.shardId(),
                        registry, Schedulers.parallel());
        ControlPlaneConfig cp = config.cp();
        if (!config.leased()) {
            ShardRunner runner = new ShardRunner(engine, registry, sink, out, err,
                    new EngineSourceAdmin(engine, args.config().toAbsolutePath().getParent()), null, null,
                    signals != null ? Runtime.getRuntime()::halt : null);
            if (signals != null) {
                signals.attach(runner);
            }
            try (ConfigReloader reloader = handleSignals ? new ConfigReloader(args.config(), engine).start() : null) {
                return runner.run(args.duration());
            } catch (HealthServer.BindFailure e) {
                err.println("camflux: " + e.getMessage());
                return EXIT_FATAL;
            }
        }
        // the shards are the fleet's: no file reload, no admin API changing them behind the lease
        if (handleSignals) {
            ignoreHangUp();
        }
        Scheduler leaseThread = Schedulers.newSingle("camflux-lease", true);
        LeaseFence fence = new LeaseFence(System::nanoTime);
        Coordinator keeper = config.fleet().etcd() != null
                ? new EtcdShardKeeper(new EtcdClient(config.fleet().etcd().endpoints(),
                        config.fleet().etcd().requestTimeout(), registry), engine, config.fleet().etcd(),
                        config.fleet().allowedFileRoots(), fence, leaseThread, System::nanoTime)
                : new LeaseKeeper(new ControlPlaneClient(cp, controlPlaneToken(cp),
                        ShardRules.of(config, cp.maxCameras()), registry), engine, cp,
                        config.model().provider().name().toLowerCase(java.util.Locale.ROOT), fence, leaseThread,
                        System::nanoTime, Math::random);
        ShardRunner runner = new ShardRunner(engine, registry, sink, out, err, null, keeper, fence,
                signals != null ? Runtime.getRuntime()::halt : null);
        if (signals != null) {
            signals.attach(runner);
        }
        try {
            return runner.run(args.duration());
        } catch (HealthServer.BindFailure e) {
            err.println("camflux: " + e.getMessage());
            return EXIT_FATAL;
        } finally {
            keeper.close();
            leaseThread.dispose();
        }
    }

    private static String controlPlaneToken(ControlPlaneConfig cp) {
        String token = cp.token(System.getenv(ControlPlaneConfig.TOKEN_ENV));
        if (token != null && cp.inlineToken() != null && token.equals(cp.inlineToken())) {
            log().warn("cp.token is written in the config file; prefer the environment ({})", ControlPlaneConfig.TOKEN_ENV);
        } else if (token == null) {
            log().warn("no control-plane token ({} is not set): requests go without Authorization",
                    ControlPlaneConfig.TOKEN_ENV);
        }
        return token;
    }

    /**
     * In a fleet the shards come from the coordinator, so there is nothing to reload; SIGHUP (a config reload by
     * habit, or a closed terminal) must not end the worker, which is the JVM's default for it.
     */
    private static void ignoreHangUp() {
        HangUpSignal.handle(() -> log().warn("SIGHUP ignored: this worker's shards come from the fleet's coordinator,"
                + " not from its config file (restart to change the worker's own settings)"),
                "a fleet worker has nothing to reload");
    }
}
