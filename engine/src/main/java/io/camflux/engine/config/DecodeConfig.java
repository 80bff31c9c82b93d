package io.camflux.engine.config;

import io.camflux.model.EnumValue;

/**
 * {@code decode}: how this worker decodes its cameras, host-wide (which decoder each camera asks for is
 * {@code decoder} / {@code sources[].decoder}). The settings that decide cameras per GPU host; measured in
 * docs/gpu.md.
 *
 * @param opencvThreads OpenCV's pool for the per-frame work (colour conversion, resizing); 1 runs each call on its
 *                      caller's thread (the cameras are the parallelism: a pool of spinning workers cost 2.8 of 8.3
 *                      cores with 32 NVDEC cameras), 0 leaves OpenCV's own choice
 * @param nvdec         the GPU decoder's device, contexts, budget and output
 * @param keyFrames     {@code auto}: a camera whose key frames come at least as often as it keeps frames
 *                      ({@code max_fps} 1 and a key frame a second, say) decodes only its key frames; {@code never}:
 *                      every frame is decoded
 */
public record DecodeConfig(int opencvThreads, Nvdec nvdec, KeyFrames keyFrames) {
    public static final DecodeConfig DEFAULTS = new DecodeConfig(1, Nvdec.DEFAULTS, KeyFrames.AUTO);

    /** {@code decode.key_frames_only}. */
    public enum KeyFrames {
        AUTO, NEVER;

        public static KeyFrames parse(String value) {
            return EnumValue.parse(KeyFrames.class, value, "auto or never");
        }
    }

    /**
     * {@code decode.nvdec}.
     *
     * @param device          the CUDA device index NVDEC decodes on
     * @param contexts        CUDA contexts all NVDEC cameras share, apart from the model's: two by default; the GPU
     *                        time-slices between contexts, and one per camera ran an H100 out of memory at 128
     * @param primaryContext  the first context is the GPU's primary one, shared with ONNX Runtime (off: sharing it made
     *                        every NVDEC camera wait behind inference)
     * @param framesPerSecond NVDEC's budget in 1080p frames a second (a frame counts by its pixels against 1080p's, at
     *                        least 0.6): cameras take NVDEC while their rates fit, the rest decode on the CPU
     * @param decoder         {@code cuvid} (FFmpeg's CUVID decoder: NVIDIA's parser keeps frames in flight),
     *                        {@code hwaccel} (the codec's own decoder with the NVDEC hwaccel: one frame in flight) or
     *                        {@code direct} (H.264 and HEVC: NVIDIA's parser and decoder driven by the engine itself,
     *                        a picture mapped and copied only when the sampler keeps it; others as {@code cuvid})
     * @param resize          the CUVID decoder outputs pictures at the size the detector reads, so a kept frame crosses
     *                        to the host at 416x234 instead of 1920x1080; off: whole pictures, scaled by swscale
     * @param hevcFrameCost   what an HEVC frame counts against the budget, in H.264 frames of its size
     */
    public record Nvdec(int device, int contexts, boolean primaryContext, double framesPerSecond, Decoder decoder,
                        boolean resize, double hevcFrameCost, int sharedKeyFrameDecoders) {
        /**
         * 120 cameras of 1080p25 or 200 of 720p25: what one H200's decoders kept through CUVID on two contexts of
         * their own, beside 64 more 1080p or 100 more 720p cameras on its 16 cores (docs/gpu.md).
         */
        public static final double DEFAULT_FRAMES_PER_SECOND = 3000;
        public static final int DEFAULT_CONTEXTS = 2;
        /**
         * NVDEC's ceilings measured in one call on an H200, 32 streams of the same 1080p25 footage: H.264 3,817
         * frames/s, HEVC 6,503 (bench/results/gpu-hevc-2026-12-03-h200/ceil*.md); 3,817 / 6,503 = 0.59.
         */
        public static final double DEFAULT_HEVC_FRAME_COST = 0.6;
        /**
         * The most decoders the key-frames-only cameras of one codec and picture size share: a group makes another only
         * when every one it has is busy, so this is a bound, not what is made.
         */
        public static final int DEFAULT_SHARED_KEY_FRAME_DECODERS = 16;
        public static final Nvdec DEFAULTS = new Nvdec(0, DEFAULT_CONTEXTS, false, DEFAULT_FRAMES_PER_SECOND,
                Decoder.CUVID, true, DEFAULT_HEVC_FRAME_COST, DEFAULT_SHARED_KEY_FRAME_DECODERS);

        public Nvdec withFramesPerSecond(double value) {
            return new Nvdec(device, contexts, primaryContext, value, decoder, resize, hevcFrameCost,
                    sharedKeyFrameDecoders);
        }

        public Nvdec withDecoder(Decoder value) {
            return new Nvdec(device, contexts, primaryContext, framesPerSecond, value, resize, hevcFrameCost,
                    sharedKeyFrameDecoders);
        }

        public Nvdec withResize(boolean value) {
            return new Nvdec(device, contexts, primaryContext, framesPerSecond, decoder, value, hevcFrameCost,
                    sharedKeyFrameDecoders);
        }

        /** What a frame of {@code codec} (FFmpeg's name: h264, hevc) counts against the budget, per H.264 frame. */
        public double frameCost(String codec) {
            return "hevc".equals(codec) ? hevcFrameCost : 1;
        }
    }

    /** How NVDEC is driven. */
    public enum Decoder {
        CUVID, HWACCEL, DIRECT;

        public static Decoder parse(String value) {
            return EnumValue.parse(Decoder.class, value, "cuvid, hwaccel or direct");
        }
    }

    public DecodeConfig withNvdec(Nvdec value) {
        return new DecodeConfig(opencvThreads, value, keyFrames);
    }

    public DecodeConfig withKeyFrames(KeyFrames value) {
        return new DecodeConfig(opencvThreads, nvdec, value);
    }
}
