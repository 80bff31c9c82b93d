package io.camflux.engine.source;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NvdecScaleRefusalsTest {

    private final NvdecScaleRefusals refusals = new NvdecScaleRefusals();

    @Test
    void aSizeIsRefusedOnlyWhenWholePicturesComeOutWhereScaledOnesFailed() {
        assertTrue(refusals.scales("cam-1", 1280, 720));
        refusals.scaledFailedFirst("cam-1", 1280, 720, "decoding failed");
        assertFalse(refusals.scales("cam-1", 1280, 720), "the failed camera tries whole pictures");
        assertTrue(refusals.scales("cam-2", 1280, 720), "the others keep scaling while it is only suspected");
        refusals.wholeDecoded("cam-1", 1280, 720);
        assertFalse(refusals.scales("cam-2", 1280, 720), "refused for every camera");
        assertFalse(refusals.scales("cam-1", 1280, 720));
        assertTrue(refusals.scales("cam-2", 1920, 1080), "another size is not touched");
    }

    @Test
    void aFailureThatWholePicturesShareIsNotScalingsFault() {
        // NVDEC out of decoders (cuvidCreateDecoder: CUDA_ERROR_OUT_OF_MEMORY) fails scaled and whole alike
        refusals.scaledFailedFirst("cam-262", 1280, 720, "decoding failed");
        refusals.wholeFailedFirst("cam-262", 1280, 720, "decoding failed");
        assertTrue(refusals.scales("cam-262", 1280, 720), "the camera's next decoder scales again");
        refusals.wholeDecoded("cam-262", 1280, 720);
        assertTrue(refusals.scales("cam-7", 1280, 720), "a whole picture with no scaled failure before it proves nothing");
    }

    @Test
    void oneCameraAtATimeTriesTheSizeWhole() {
        refusals.scaledFailedFirst("cam-1", 1280, 720, "decoding failed");
        refusals.scaledFailedFirst("cam-2", 1280, 720, "decoding failed");
        assertTrue(refusals.scales("cam-2", 1280, 720), "cam-1's trial decides; cam-2 retries as it was");
        refusals.wholeDecoded("cam-2", 1280, 720);
        assertTrue(refusals.scales("cam-3", 1280, 720), "cam-2 was not the one on trial");
        refusals.wholeFailedFirst("cam-1", 1280, 720, "decoding failed");
        assertTrue(refusals.scales("cam-1", 1280, 720));
    }
}
