package io.camflux.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGHUP in a real child JVM: handled when it arrives at its default, and said to be ignored under nohup. */
class HangUpSignalTest {

    /** The child: installs the handler, sends itself SIGHUP, and prints what happened. */
    public static void main(String[] args) throws Exception {
        java.util.concurrent.CountDownLatch got = new java.util.concurrent.CountDownLatch(1);
        boolean installed = HangUpSignal.handle(got::countDown, "nothing to do");
        new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start().waitFor();
        System.out.println("installed=" + installed + " handled=" + got.await(5, TimeUnit.SECONDS));
    }

    @Test
    void aSignalAtItsDefaultRunsTheAction() throws Exception {
        // the test itself may run under nohup: the child gets SIGHUP at its default either way (coreutils' env)
        String out = child(List.of("env", "--default-signal=HUP"));
        assertTrue(out.contains("installed=true handled=true"), out);
    }

    @Test
    void underNohupItSaysSoAndTheSignalEndsNothing() throws Exception {
        String out = child(List.of("nohup"));
        assertTrue(out.contains("installed=false handled=false"), out);
        assertTrue(out.contains("SIGHUP was ignored when this process started (nohup?), so it stays ignored:"
                + " nothing to do"), out);
    }

    private static String child(List<String> prefix) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), HangUpSignalTest.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child ends");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
