package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_move_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * Decoders that many key-frames-only cameras share ({@code decode.nvdec.shared_key_frame_decoders}). A key frame
 * decodes on its own, so a camera that decodes nothing else needs no decoder of its own: the driver makes only a few
 * hundred NVDEC decoders (on an H100 it refused them past about 280, with GPU memory a fifth used) and about ten a
 * second, where one decoder takes hundreds of key frames a second. The cameras of one codec and picture size (and
 * output size) form a group; each camera's packets come framed with its own parameter sets ({@link KeyPacketFramer}),
 * and each picture goes back to the camera that sent it, by a tag in its timestamp. A group makes another decoder when
 * every one it has is busy, up to the most allowed, on a slot the device gives ({@link Slots}: a context, counted as a
 * stream); decoding runs on the sending camera's own thread. Owns its decoders and the pictures not yet taken; one per
 * {@link DecoderBackend}, which closes it after its cameras.
 */
final class SharedKeyFrameDecoders implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SharedKeyFrameDecoders.class);
    private static final int AVERROR_EAGAIN = -11;
    /** Tags a decoder still waits for beyond which the oldest are forgotten (a decoder that dropped a picture). */
    private static final int MOST_WAITING = 64;

    /** Where a group's next decoder may run, or null when the device takes no more decoders now. */
    @FunctionalInterface
    interface Slots {
        Slot take();
    }

    /**
     * A place for one decoder: its device (null: the CPU), what gives the place back, and what to tell the device
     * when the driver could not make the decoder there.
     */
    record Slot(AVBufferRef device, Runnable release, Consumer<String> refused) {
    }

    /** What a group's cameras have in common. */
    private record Key(String codec, int width, int height, int outputWidth, int outputHeight) {
    }

    /** A picture decoded for a camera and its time in the camera's stream. The taker owns the frame. */
    record Picture(AVFrame frame, long ptsMicros) {
    }

    private final NvdecDecoders decoders;
    private final Slots slots;
    private final int mostPerGroup;
    private final Map<Key, Group> groups = new ConcurrentHashMap<>();
    private final AtomicInteger made = new AtomicInteger();
    private volatile boolean closed;

    SharedKeyFrameDecoders(NvdecDecoders decoders, Slots slots, int mostPerGroup) {
        this.decoders = decoders;
        this.slots = slots;
        this.mostPerGroup = mostPerGroup;
    }

    /**
     * A place for {@code camera} (its {@code stream}, decoded by {@code codec}) in the group of its shape, its pictures
     * at {@code resize} (null: as coded); null when sharing is off, the size is unknown, or the group has no decoder
     * and none can be made now.
     */
    Member join(String camera, AVCodec codec, AVStream stream, int[] resize) throws IOException {
        int width = stream.codecpar().width();
        int height = stream.codecpar().height();
        if (mostPerGroup == 0 || closed || width <= 0 || height <= 0) {
            return null;
        }
        Key key = new Key(codec.name().getString(), width, height, resize == null ? 0 : resize[0],
                resize == null ? 0 : resize[1]);
        Group group = groups.computeIfAbsent(key, k -> new Group(k, codec, resize));
        String name = group.ensureOne(stream);
        if (name == null) {
            return null;
        }
        return new Member(camera, group, stream, name);
    }

    /** Decoders made since the start (for tests and logs). */
    int decodersMade() {
        return made.get();
    }

    /** The cameras of one shape and the decoders they share. */
    private final class Group {
        final Key key;
        final AVCodec codec;
        final int[] resize;
        final List<Shared> decoders = new CopyOnWriteArrayList<>();
        final AtomicInteger turn = new AtomicInteger();
        /** The first decoder's name and whether it scales, which every later one shares. */
        volatile String name;
        volatile boolean resized;
        volatile boolean onDevice;

        Group(Key key, AVCodec codec, int[] resize) {
            this.key = key;
            this.codec = codec;
            this.resize = resize;
        }

        /** The group's decoder name, a decoder made first if it has none; null when none can be. */
        String ensureOne(AVStream stream) throws IOException {
            synchronized (this) {
                if (decoders.isEmpty()) {
                    Shared made = make(stream);
                    if (made == null) {
                        return null;
                    }
                    made.lock.unlock();
                }
                return name;
            }
        }

        /** A decoder made and locked for the caller, or null when the device gives no slot or it does not open. */
        private Shared make(AVStream stream) throws IOException {
            if (closed || decoders.size() >= mostPerGroup) {
                return null;
            }
            Slot slot = slots.take();
            if (slot == null) {
                return null;
            }
            NvdecDecoders.Opened opened;
            try {
                opened = SharedKeyFrameDecoders.this.decoders.openShared(codec, stream, slot.device(), resize);
            } catch (IOException | RuntimeException e) {
                slot.release().run();
                throw e;
            }
            if (opened == null) {
                slot.release().run();
                return null;
            }
            Shared shared = new Shared(opened, slot);
            if (name == null) {
                name = opened.name();
                resized = opened.resized();
                onDevice = slot.device() != null;
            }
            shared.lock.lock();
            decoders.add(shared);
            int count = made.incrementAndGet();
            log.info("shared key-frame decoder {} of {} for {} {}x{}: {}", decoders.size(), mostPerGroup, key.codec(),
                    key.width(), key.height(), opened.name());
            if (count == 1) {
                log.info("key-frames-only cameras of one codec and size share up to {} decoders"
                        + " (decode.nvdec.shared_key_frame_decoders)", mostPerGroup);
            }
            return shared;
        }

        /** A decoder of the group locked for the caller: a free one, else a new one, else the next in turn. */
        Shared acquire(AVStream stream) throws IOException {
            for (Shared d : decoders) {
                if (d.lock.tryLock()) {
                    if (!d.broken) {
                        return d;
                    }
                    d.lock.unlock();
                }
            }
            synchronized (this) {
                Shared made = make(stream);
                if (made != null) {
                    return made;
                }
            }
            while (!decoders.isEmpty()) {
                List<Shared> now = decoders;
                Shared d;
                try {
                    d = now.get(Math.floorMod(turn.getAndIncrement(), now.size()));
                } catch (IndexOutOfBoundsException removedMeanwhile) {
                    continue;
                }
                d.lock.lock();
                if (!d.broken) {
                    return d;
                }
                d.lock.unlock();
            }
            return null;
        }

        void remove(Shared broken) {
            decoders.remove(broken);
        }
    }

    /** One shared decoder, used by one camera at a time; its pictures routed by tag. */
    private static final class Shared {
        final ReentrantLock lock = new ReentrantLock();
        final AVCodecContext context;
        final String name;
        final Slot slot;
        final AVFrame out = av_frame_alloc();
        /** Tags sent and not yet come back, in sending order, with whom they belong to. */
        final TreeMap<Long, Waiting> waiting = new TreeMap<>();
        long nextTag = 1;
        boolean pictureSeen;
        boolean broken;

        Shared(NvdecDecoders.Opened opened, Slot slot) {
            this.context = opened.context();
            this.name = opened.name();
            this.slot = slot;
        }

        void free() {
            avcodec_free_context(context);
            av_frame_free(out);
            waiting.values().forEach(w -> w.member().lost());
            waiting.clear();
        }
    }

    private record Waiting(Member member, long ptsMicros, long generation) {
    }

    /**
     * A camera's place in a group: it sends its key packets and takes back its pictures. Used from the camera's
     * thread; pictures may arrive from another camera's, and wait here until taken. {@link #close()} frees those.
     */
    final class Member implements AutoCloseable {
        private final String camera;
        private final Group group;
        private final AVStream stream;
        private final String name;
        private final ConcurrentLinkedQueue<Picture> mailbox = new ConcurrentLinkedQueue<>();
        private volatile long generation;
        private volatile boolean left;
        /** Key packets sent and never given back as pictures (corrupt, dropped by the decoder, or on a retired one). */
        private final java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();

        private Member(String camera, Group group, AVStream stream, String name) {
            this.camera = camera;
            this.group = group;
            this.stream = stream;
            this.name = name;
        }

        /** The shared decoder's name, e.g. {@code h264_cuvid (nvdec) at 416x234}. */
        String name() {
            return name;
        }

        /** Whether the group decodes on a device (else on the CPU). */
        boolean onDevice() {
            return group.onDevice;
        }

        /** Whether the group's pictures are at the output size asked for (they stand for the stream's size). */
        boolean resized() {
            return group.resized;
        }

        /**
         * Decodes {@code framed} (a key packet of {@link KeyPacketFramer}, at {@code ptsMicros}; its times are
         * overwritten, and it is unreferenced after) on one of the group's decoders; false when the group has none
         * left (the camera should decode on a decoder of its own). A corrupt packet costs its picture only.
         */
        boolean send(AVPacket framed, long ptsMicros) throws IOException {
            Shared d = group.acquire(stream);
            if (d == null) {
                av_packet_unref(framed);
                return false;
            }
            try {
                long tag = d.nextTag++;
                framed.pts(tag).dts(tag);
                int r = avcodec_send_packet(d.context, framed);
                if (r == AVERROR_EAGAIN) {
                    routeAll(d);
                    if (d.broken) {
                        return true;
                    }
                    r = avcodec_send_packet(d.context, framed);
                }
                if (r >= 0) {
                    d.waiting.put(tag, new Waiting(this, ptsMicros, generation));
                    while (d.waiting.size() > MOST_WAITING) {
                        d.waiting.pollFirstEntry().getValue().member().lost();
                    }
                } else {
                    lost();
                    if (r != AVERROR_INVALIDDATA) {
                        retire(d, NvdecStreamReader.failure("shared decoder failed", r).getMessage());
                        return true;
                    }
                }
                routeAll(d);
                return true;
            } finally {
                av_packet_unref(framed);
                d.lock.unlock();
            }
        }

        /** Every picture {@code d} has ready, each to its camera's mailbox; a picture whose camera left is freed. */
        private void routeAll(Shared d) throws IOException {
            while (true) {
                int r = avcodec_receive_frame(d.context, d.out);
                if (r == AVERROR_EAGAIN) {
                    return;
                }
                if (r < 0) {
                    retire(d, NvdecStreamReader.failure("shared decoder failed", r).getMessage());
                    return;
                }
                d.pictureSeen = true;
                long tag = d.out.pts();
                if (tag == AV_NOPTS_VALUE && !d.waiting.isEmpty()) {
                    tag = d.waiting.firstKey(); // a decoder that lost the time: pictures still come in sending order
                }
                Waiting w = d.waiting.remove(tag);
                // pictures come out in sending order: tags before this one will never come
                java.util.SortedMap<Long, Waiting> skipped = d.waiting.headMap(tag);
                skipped.values().forEach(gone -> gone.member().lost());
                skipped.clear();
                if (w == null) {
                    av_frame_unref(d.out);
                    continue;
                }
                w.member().deliver(d.out, w);
            }
        }

        private void retire(Shared d, String why) {
            if (d.broken) {
                return;
            }
            d.broken = true;
            group.remove(d);
            log.warn("camera {}: a shared key-frame decoder ({}) failed: {}; {} left for {} {}x{}", camera, d.name, why,
                    group.decoders.size(), group.key.codec(), group.key.width(), group.key.height());
            if (!d.pictureSeen) {
                d.slot.refused().accept(why);
            } else {
                d.slot.release().run();
            }
            d.free();
        }

        /** Moves {@code picture} here, or frees it when this camera has left or rewound since sending it. */
        private void deliver(AVFrame picture, Waiting w) {
            if (left || w.generation() != generation) {
                av_frame_unref(picture);
                return;
            }
            AVFrame mine = av_frame_alloc();
            av_frame_move_ref(mine, picture);
            mailbox.add(new Picture(mine, w.ptsMicros()));
            if (left) {
                drop();
            }
        }

        private void lost() {
            lost.incrementAndGet();
        }

        /** Key packets this camera sent that never came back as pictures. */
        long picturesLost() {
            return lost.get();
        }

        /** The oldest picture decoded for this camera and not yet taken, or null; the caller frees its frame. */
        Picture take() {
            return mailbox.poll();
        }

        /** Pictures sent before this call are not delivered (the stream went back to its start). */
        void rewound() {
            generation++;
            drop();
        }

        private void drop() {
            for (Picture p; (p = mailbox.poll()) != null; ) {
                av_frame_free(p.frame());
            }
        }

        /** Leaves the group: pictures not taken are freed, and later ones are. */
        @Override
        public void close() {
            left = true;
            drop();
        }
    }

    /** Frees every decoder (after the cameras closed: no camera sends any more). */
    @Override
    public void close() {
        closed = true;
        for (Group g : groups.values()) {
            for (Shared d : g.decoders) {
                d.lock.lock();
                try {
                    if (!d.broken) {
                        d.broken = true;
                        d.slot.release().run();
                        d.free();
                    }
                } finally {
                    d.lock.unlock();
                }
            }
            g.decoders.clear();
        }
    }
}
