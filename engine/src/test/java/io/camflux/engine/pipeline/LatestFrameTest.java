package io.camflux.engine.pipeline;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.camflux.engine.DropReason;
import io.camflux.engine.source.FrameLedger;
import io.camflux.engine.source.VideoFrame;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.util.RaceTestUtils;

class LatestFrameTest {
    private final FrameLedger ledger = new FrameLedger("cam", new SimpleMeterRegistry());
    private final AtomicLong nextId = new AtomicLong();

    private VideoFrame frame() {
        return new VideoFrame("cam", nextId.getAndIncrement(), 0, 0, 0, new Mat(2, 2, CV_8UC1), ledger);
    }

    @Test
    void theFrameNotYetTakenIsReplacedByTheNextAndReleasedAsBackpressure() {
        TestPublisher<VideoFrame> camera = TestPublisher.create();
        VideoFrame first = frame(), second = frame(), third = frame();
        StepVerifier.create(LatestFrame.of(camera.flux()), 0)
                .then(() -> camera.next(first, second, third))
                .thenRequest(1)
                .assertNext(f -> assertEquals(third, f))
                .then(() -> third.release(DropReason.INFERRED))
                .then(camera::complete)
                .verifyComplete();
        assertTrue(first.isReleased() && second.isReleased());
        assertEquals(2, ledger.releasedCount(DropReason.BACKPRESSURE));
        assertEquals(0, ledger.inFlight());
    }

    @Test
    void theCameraNeverWaitsForDemand() {
        TestPublisher<VideoFrame> camera = TestPublisher.create();
        StepVerifier.create(LatestFrame.of(camera.flux()), 0)
                .then(() -> camera.assertMinRequested(Long.MAX_VALUE))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aHeldFrameIsDeliveredBeforeCompletion() {
        TestPublisher<VideoFrame> camera = TestPublisher.create();
        VideoFrame last = frame();
        StepVerifier.create(LatestFrame.of(camera.flux()), 0)
                .expectSubscription()
                .then(() -> camera.next(last).complete())
                .expectNoEvent(Duration.ofMillis(20))
                .thenRequest(1)
                .expectNext(last)
                .verifyComplete();
        last.release(DropReason.INFERRED);
        assertEquals(0, ledger.inFlight());
    }

    @Test
    void anErrorReleasesTheHeldFrame() {
        TestPublisher<VideoFrame> camera = TestPublisher.create();
        StepVerifier.create(LatestFrame.of(camera.flux()), 0)
                .then(() -> camera.next(frame()).error(new IllegalStateException("boom")))
                .verifyErrorMessage("boom");
        assertEquals(1, ledger.releasedCount(DropReason.CANCELLED));
        assertEquals(0, ledger.inFlight());
    }

    @Test
    void cancelReleasesTheHeldFrame() {
        TestPublisher<VideoFrame> camera = TestPublisher.create();
        StepVerifier.create(LatestFrame.of(camera.flux()), 0)
                .then(() -> camera.next(frame()))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        camera.assertCancelled();
        assertEquals(1, ledger.releasedCount(DropReason.CANCELLED));
        assertEquals(0, ledger.inFlight());
    }

    /** The camera's thread was emitting while the pipeline cancelled: the frame arrives after cancel. */
    @Test
    void aFrameArrivingAfterCancelIsReleased() {
        TestPublisher<VideoFrame> camera = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);
        Holder subscriber = new Holder();
        LatestFrame.of(camera.flux()).subscribe(subscriber);
        subscriber.cancel();
        camera.next(frame());
        assertEquals(1, ledger.releasedCount(DropReason.CANCELLED));
        assertEquals(0, ledger.inFlight());
    }

    @Test
    void aFrameRacingCancelIsDeliveredOrReleasedNeverKept() {
        for (int round = 0; round < 2_000; round++) {
            TestPublisher<VideoFrame> camera = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);
            Holder subscriber = new Holder();
            LatestFrame.of(camera.flux()).subscribe(subscriber);
            VideoFrame racing = frame();
            RaceTestUtils.race(() -> camera.next(racing), subscriber::cancel);
            VideoFrame taken = subscriber.taken.getAndSet(null);
            if (taken != null) {
                taken.release(DropReason.INFERRED);
            }
            assertTrue(racing.isReleased(), "round " + round + ": the racing frame was delivered or released");
        }
        assertEquals(0, ledger.inFlight());
    }

    /** Asks for one frame at a time, keeps what it gets. */
    private static final class Holder extends BaseSubscriber<VideoFrame> {
        final AtomicReference<VideoFrame> taken = new AtomicReference<>();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(1);
        }

        @Override
        protected void hookOnNext(VideoFrame value) {
            taken.set(value);
        }
    }
}
