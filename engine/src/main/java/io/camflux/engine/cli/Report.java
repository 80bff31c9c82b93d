package io.camflux.engine.cli;

import java.io.PrintStream;

/**
 * What the CLI tells its operator at the end of a run (summary, broker outcome, losses): plain lines on standard
 * error, or, with {@code CAMFLUX_LOG_FORMAT=json}, one log event each, so that every line there stays one JSON object.
 */
final class Report {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Report.class);

    private Report() {
    }

    static void to(PrintStream err, String text) {
        if ("json".equals(Main.setting(Main.LOG_FORMAT))) {
            log.info(text.strip());
        } else {
            err.print(text.endsWith("\n") ? text : text + "\n");
        }
    }
}
