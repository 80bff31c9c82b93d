package io.camflux.engine.source;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream sizes NVDEC has been seen not to scale (the CUVID decoder's {@code resize}), so that their streams
 * decode whole pictures and the CPU scales them. NVDEC refusing a scale shows only as a decoding failure before the
 * first picture, and so does a decoder NVDEC has no room for (CUDA_ERROR_OUT_OF_MEMORY from cuvidCreateDecoder at 340
 * sessions on an H200), which whole pictures would not escape either. So a failure only makes the size suspect: the
 * camera that failed decodes whole pictures at its reconnect, and the size is refused for every camera when that
 * decoder delivers a picture; when it fails as well, scaling was not the cause and the size stays scaled.
 */
final class NvdecScaleRefusals {

    private static final Logger log = LoggerFactory.getLogger(NvdecScaleRefusals.class);

    /** A size whose scaled decoder failed first, and the camera now trying it whole. */
    private final Map<String, String> suspects = new ConcurrentHashMap<>();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();

    /** Whether {@code camera}'s next decoder for pictures of this size should be a scaling one. */
    boolean scales(String camera, int width, int height) {
        String size = key(width, height);
        return !refused.contains(size) && !camera.equals(suspects.get(size));
    }

    /** A scaling decoder of {@code camera} failed before its first picture. */
    void scaledFailedFirst(String camera, int width, int height, String why) {
        String size = key(width, height);
        if (!refused.contains(size) && suspects.putIfAbsent(size, camera) == null) {
            log.warn("camera {}: NVDEC's decoder scaling {} pictures failed before the first one ({}); the camera's"
                    + " reconnect decodes them whole to tell whether the scaling was the cause", camera, size, why);
        }
    }

    /** A decoder of {@code camera} for whole pictures of this size delivered its first picture. */
    void wholeDecoded(String camera, int width, int height) {
        String size = key(width, height);
        if (suspects.remove(size, camera)) {
            refused.add(size);
            log.warn("camera {}: NVDEC decodes {} pictures whole where scaling them failed; from now on {} pictures"
                    + " cross whole and the CPU scales them (decode.nvdec.resize false does this from the start)",
                    camera, size, size);
        }
    }

    /** A decoder of {@code camera} for whole pictures of this size failed before its first picture. */
    void wholeFailedFirst(String camera, int width, int height, String why) {
        String size = key(width, height);
        if (suspects.remove(size, camera)) {
            log.info("camera {}: whole {} pictures failed too ({}): not NVDEC's scaling; those streams stay scaled",
                    camera, size, why);
        }
    }

    private static String key(int width, int height) {
        return width + "x" + height;
    }
}
