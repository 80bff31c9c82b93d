package io.camflux.engine.source;

import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FFmpeg's own messages ("moov atom not found", a decoder's complaints) through the engine's logger
 * ({@code ffmpeg}), so that they come out in the log format chosen ({@code CAMFLUX_LOG_FORMAT=json} too) instead of
 * as plain text on standard error; FFmpeg's line breaks and blank lines are dropped. Errors and worse only: FFmpeg
 * warns about every damaged packet of a live stream, which the camera's status and metrics already count. A message
 * that repeats (the same words, whatever its numbers: "Could not find ref with POC 21", then 22, ... for every frame
 * of a stream joined between key frames) is said once per {@link #REPEAT_NANOS}, with how many like it were held back.
 */
public final class FfmpegLog extends LogCallback {
    static final Logger log = LoggerFactory.getLogger("ffmpeg");
    static final long REPEAT_NANOS = 10_000_000_000L;
    private static final java.util.regex.Pattern NUMBERS = java.util.regex.Pattern.compile("0x[0-9a-fA-F]+|\\d+");
    /** Per message shape: when it was last said, and how many were held back since. */
    private final java.util.Map<String, long[]> said = new java.util.concurrent.ConcurrentHashMap<>();
    /** Kept referenced for the process's life: FFmpeg calls it from native code. */
    private static final FfmpegLog INSTANCE = new FfmpegLog();

    FfmpegLog() {
    }

    /** Routes FFmpeg's log here, once (idempotent). */
    public static synchronized void install() {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        avutil.setLogCallback(INSTANCE);
    }

    @Override
    public void call(int level, BytePointer message) {
        if (level > avutil.av_log_get_level()) {
            return;
        }
        String text = message == null ? "" : message.getString().strip();
        if (text.isEmpty()) {
            return;
        }
        text = sayOnce(text, System.nanoTime());
        if (text == null) {
            return;
        }
        if (level <= avutil.AV_LOG_ERROR) {
            log.error(text);
        } else if (level <= avutil.AV_LOG_WARNING) {
            log.warn(text);
        } else {
            log.info(text);
        }
    }

    /** The text to log now (with how many like it were held back), or null to hold it back. */
    String sayOnce(String text, long now) {
        if (said.size() > 4096) {
            said.clear(); // a stream of ever new messages: forget, rather than grow
        }
        long[] last = said.computeIfAbsent(NUMBERS.matcher(text).replaceAll("#"), k -> new long[] {now - REPEAT_NANOS, 0});
        synchronized (last) {
            if (now - last[0] < REPEAT_NANOS) {
                last[1]++;
                return null;
            }
            String out = last[1] == 0 ? text : text + " (and " + last[1] + " more like it in the last "
                    + Math.round((now - last[0]) / 1e9) + " s)";
            last[0] = now;
            last[1] = 0;
            return out;
        }
    }
}
