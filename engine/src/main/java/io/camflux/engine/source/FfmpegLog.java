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
 * warns about every damaged packet of a live stream, which the camera's status and metrics already count.
 */
public final class FfmpegLog extends LogCallback {
    static final Logger log = LoggerFactory.getLogger("ffmpeg");
    /** Kept referenced for the process's life: FFmpeg calls it from native code. */
    private static final FfmpegLog INSTANCE = new FfmpegLog();

    private FfmpegLog() {
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
        if (level <= avutil.AV_LOG_ERROR) {
            log.error(text);
        } else if (level <= avutil.AV_LOG_WARNING) {
            log.warn(text);
        } else {
            log.info(text);
        }
    }
}
