package io.camflux.engine.source;

import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_get_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_init;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_bsf_send_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_copy_props;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_ref;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;

import java.io.IOException;
import org.bytedeco.ffmpeg.avcodec.AVBSFContext;
import org.bytedeco.ffmpeg.avcodec.AVBitStreamFilter;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A camera's key packets made to stand alone for a decoder that other cameras feed too
 * ({@link SharedKeyFrameDecoders}): in Annex B (FFmpeg's {@code h264_mp4toannexb} / {@code hevc_mp4toannexb}, which
 * pass Annex B through), each led by the camera's own parameter sets (SPS and PPS, and VPS for HEVC) from its
 * extradata, so the decoder never decodes one camera's picture with another's. Parameter sets the packet carries itself
 * come after these and win. One per reader, which closes it.
 */
final class KeyPacketFramer implements AutoCloseable {
    private final AVBSFContext filter;
    private final AVPacket filtered = av_packet_alloc();
    /** The reference the filter takes, reused. */
    private final AVPacket toFilter = av_packet_alloc();
    /** The parameter sets in Annex B (empty when the stream gives none outside its packets). */
    private final BytePointer parameterSets;
    private final int parameterSetsSize;
    /** An access unit delimiter closing each packet. */
    private final BytePointer delimiter;

    private KeyPacketFramer(AVBSFContext filter, byte[] delimiter) {
        this.filter = filter;
        this.delimiter = new BytePointer(delimiter.length).put(delimiter);
        this.parameterSetsSize = Math.max(0, filter.par_out().extradata_size());
        this.parameterSets = parameterSetsSize == 0 ? null
                : new BytePointer(parameterSetsSize).put(filter.par_out().extradata().capacity(parameterSetsSize));
    }

    /** A framer for {@code stream}, or null for a codec whose key frames are not shared (neither H.264 nor HEVC). */
    static KeyPacketFramer of(AVStream stream, String codec) throws IOException {
        String name = switch (codec) {
            case "h264" -> "h264_mp4toannexb";
            case "hevc" -> "hevc_mp4toannexb";
            default -> null;
        };
        if (name == null) {
            return null;
        }
        // primary_pic_type / pic_type: any slice type
        byte[] delimiter = codec.equals("h264") ? new byte[] {0, 0, 0, 1, 0x09, (byte) 0xF0}
                : new byte[] {0, 0, 0, 1, 0x46, 0x01, 0x50};
        AVBitStreamFilter bsf = av_bsf_get_by_name(name);
        if (bsf == null || bsf.isNull()) {
            return null;
        }
        AVBSFContext context = new AVBSFContext(null);
        check(av_bsf_alloc(bsf, context), "cannot make " + name);
        try {
            check(avcodec_parameters_copy(context.par_in(), stream.codecpar()), "cannot configure " + name);
            context.time_base_in(stream.time_base());
            check(av_bsf_init(context), "cannot start " + name);
            return new KeyPacketFramer(context, delimiter);
        } catch (IOException | RuntimeException e) {
            av_bsf_free(context);
            throw e;
        }
    }

    /**
     * {@code key} (left as it is) framed into {@code out} (unreferenced first): the parameter sets, the packet in
     * Annex B, and an access unit delimiter, with {@code key}'s flags and times. The delimiter tells a parser that
     * the picture is whole: CUVID's parser otherwise decodes a picture only when the next one begins, and on a shared
     * decoder the next one may be another camera's, seconds later.
     */
    void frame(AVPacket key, AVPacket out) throws IOException {
        av_packet_unref(out);
        try {
            check(av_packet_ref(toFilter, key), "cannot copy a key packet");
            check(av_bsf_send_packet(filter, toFilter), "cannot frame a key packet"); // takes the reference
            check(av_bsf_receive_packet(filter, filtered), "cannot frame a key packet");
        } finally {
            av_packet_unref(toFilter);
        }
        try {
            int delimiterSize = (int) delimiter.capacity();
            int size = parameterSetsSize + filtered.size() + delimiterSize;
            check(av_new_packet(out, size), "cannot make a key packet");
            BytePointer data = out.data();
            if (parameterSets != null) {
                Pointer.memcpy(data, parameterSets, parameterSetsSize);
            }
            Pointer.memcpy(data.position(parameterSetsSize), filtered.data(), filtered.size());
            Pointer.memcpy(data.position(parameterSetsSize + filtered.size()), delimiter, delimiterSize);
            data.position(0);
            check(av_packet_copy_props(out, filtered), "cannot make a key packet");
        } finally {
            av_packet_unref(filtered);
        }
    }

    private static void check(int result, String what) throws IOException {
        if (result < 0) {
            throw NvdecStreamReader.failure(what, result);
        }
    }

    @Override
    public void close() {
        av_packet_free(filtered);
        av_packet_free(toFilter);
        av_bsf_free(filter);
        if (parameterSets != null) {
            parameterSets.close();
        }
        delimiter.close();
    }
}
