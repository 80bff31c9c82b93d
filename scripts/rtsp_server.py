#!/usr/bin/python3
"""A real RTSP server (GStreamer gst-rtsp-server) that serves recorded H.264 or H.265 files as live cameras.

    rtsp_server.py --port 8554 --stream camera_001=/path/a.mp4 --stream camera_002=/path/b.mp4 [--live-stream live=GOP]

Each mount plays its file at its native rate to every client (one pipeline per client, from the start); at
the end of the file the stream ends, as a camera that goes away would (make long clips for long runs:
scripts/prepare-media.sh). A --live-stream mount is a live generated camera (a moving ball, 320x240 at 10 fps,
H.264 with a key frame every GOP frames) that plays once for all its clients, as a real camera does: a client that
joins after a key frame decodes nothing until the next one. Port 0 picks a free port. Prints "READY <port>" on stdout once it listens.
Stops on SIGTERM or SIGINT.
"""
import argparse
import signal
import subprocess
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def video_codec(path):
    """h264 or hevc: the codec of the file's first video stream (ffprobe)."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name",
                            "-of", "csv=p=0", path], capture_output=True, text=True, check=False)
    codec = probe.stdout.strip()
    if codec not in ("h264", "hevc"):
        raise SystemExit(f"{path}: video codec '{codec or probe.stderr.strip()}' is neither h264 nor hevc")
    return codec


class FileFactory(GstRtspServer.RTSPMediaFactory):
    """Demuxes the file (H.264 or H.265) without re-encoding; each client gets its own pipeline from the start of
    the file."""

    def __init__(self, path):
        super().__init__()
        self.set_shared(False)
        name = "h265" if video_codec(path) == "hevc" else "h264"
        self.set_launch(
            f'( filesrc location="{path}" ! qtdemux ! {name}parse config-interval=-1 '
            f'! rtp{name}pay name=pay0 pt=96 config-interval=-1 )'
        )


class LiveFactory(GstRtspServer.RTSPMediaFactory):
    """A live generated camera shared by all its clients."""

    def __init__(self, gop):
        super().__init__()
        self.set_shared(True)
        self.set_launch(
            f'( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=10/1 '
            f'! openh264enc gop-size={gop} scene-change-detection=false ! h264parse config-interval=-1 '
            f'! rtph264pay name=pay0 pt=96 config-interval=-1 )'
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--stream", action="append", default=[], metavar="MOUNT=FILE")
    parser.add_argument("--live-stream", action="append", default=[], metavar="MOUNT=GOP")
    args = parser.parse_args()
    if not args.stream and not args.live_stream:
        parser.error("at least one --stream MOUNT=FILE")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for spec in args.stream:
        mount, _, path = spec.partition("=")
        if not path:
            parser.error(f"--stream {spec}: expected MOUNT=FILE")
        mounts.add_factory("/" + mount.strip("/"), FileFactory(path))
    for spec in args.live_stream:
        mount, _, gop = spec.partition("=")
        if not gop.isdigit() or int(gop) < 1:
            parser.error(f"--live-stream {spec}: expected MOUNT=GOP (frames from one key frame to the next)")
        mounts.add_factory("/" + mount.strip("/"), LiveFactory(int(gop)))
    if server.attach(None) == 0:
        print(f"cannot listen on {args.address}:{args.port}", file=sys.stderr)
        sys.exit(1)
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
