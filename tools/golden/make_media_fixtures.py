#!/usr/bin/env python3
"""Builds fixtures/media: small real media files for the qwen4j-media tests.

Most files are copied byte for byte from ../shared/data/media (Debian packages, see SOURCES.md there and
fixtures/media/SOURCES.md here); the formats that collection lacks (GIF, BMP, WebP, MP3, Opus, 8/24/32-bit
and float WAV, AV1 video, EXIF-rotated JPEG) are derived from those files with Pillow, soundfile and PyAV,
and a few deliberately broken files are cut from good ones. Run once; the outputs are committed and the
goldens (make_media_goldens.py) are computed from the committed files, so re-encoding never matters.

    tools/golden/.venv/bin/python tools/golden/make_media_fixtures.py --shared ../shared/data/media
"""
import argparse
import io
import os
import shutil

import av
import numpy as np
import soundfile as sf
from PIL import Image

COPIED = {
    "images": ["horse.png", "debian-logo-256.png", "joy-debian_logo.png", "moonlight-support.png", "text.png", "rocket.jpg"],
    "audio": ["alsa-Front_Center.wav", "espeak-en-harvard-01.16k.wav", "espeak-en-harvard-02.flac",
              "espeak-en-harvard-03.44k-stereo.ogg", "freedesktop-audio-channel-front-left.oga"],
    "video": ["slideshow-speech.mp4", "slideshow-speech.webm"],
}


def images(shared, out):
    chelsea = Image.open(os.path.join(shared, "images/chelsea.png")).convert("RGB")
    small = chelsea.resize((150, 100), Image.LANCZOS)
    small.save(os.path.join(out, "chelsea-150x100.bmp"))
    small.quantize(colors=64).save(os.path.join(out, "chelsea-150x100.gif"))
    small.save(os.path.join(out, "chelsea-150x100-lossy.webp"), quality=80)
    small.save(os.path.join(out, "chelsea-150x100-lossless.webp"), lossless=True)
    chelsea.resize((151, 101), Image.LANCZOS).save(os.path.join(out, "chelsea-151x101-lossy.webp"), quality=70)
    # lossy WebP with an alpha channel (VP8X + ALPH), odd height
    Image.open(os.path.join(shared, "images/joy-debian_logo.png")).save(os.path.join(out, "joy-lossy-alpha.webp"), quality=70)
    small.save(os.path.join(out, "chelsea-150x100-q85.jpg"), quality=85)
    small.convert("L").save(os.path.join(out, "chelsea-150x100-grey.jpg"), quality=90)
    # EXIF orientation 6 (rotate 90 degrees clockwise to display): load_image applies exif_transpose.
    exif = Image.Exif()
    exif[0x0112] = 6
    small.save(os.path.join(out, "chelsea-150x100-exif6.jpg"), quality=85, exif=exif.tobytes())


def edge_images(shared, out):
    """Small files for the modes and encodings PIL treats specially: 16-bit PNGs (grey "I;16" saturates at
    255 in convert("RGB"); the rest keep the high byte), grey + alpha, CMYK and progressive and 4:2:2 JPEG."""
    small = Image.open(os.path.join(shared, "images/chelsea.png")).convert("RGB").resize((48, 32), Image.LANCZOS)
    rgb = np.asarray(small).astype(np.uint16)
    grey = np.asarray(small.convert("L")).astype(np.uint16)
    write_png16(os.path.join(out, "edge-grey16.png"), grey * 4, 0)            # 0..1020: some values clip
    write_png16(os.path.join(out, "edge-grey-alpha16.png"), np.stack([grey * 257, grey * 100], -1), 4)
    write_png16(os.path.join(out, "edge-rgb16.png"), rgb * 257 + 3, 2)
    write_png16(os.path.join(out, "edge-rgba16.png"), np.concatenate([rgb * 257, grey[..., None] * 257], -1), 6)
    small.convert("LA").save(os.path.join(out, "edge-grey-alpha.png"))
    small.convert("CMYK").save(os.path.join(out, "edge-cmyk.jpg"), quality=90)
    small.save(os.path.join(out, "edge-progressive.jpg"), quality=90, progressive=True)
    small.save(os.path.join(out, "edge-422.jpg"), quality=90, subsampling=1)


def write_png16(path, arr, color_type):
    """A 16-bit PNG written by hand (Pillow cannot write most 16-bit modes): IHDR, one IDAT, IEND."""
    import struct
    import zlib
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def audio(shared, out):
    y, sr = sf.read(os.path.join(shared, "audio/espeak-en-harvard-01.wav"), dtype="float32")
    seg = y[int(0.3 * sr):int(0.9 * sr)]  # 0.6 s of speech at 22.05 kHz
    t = np.arange(int(0.4 * 44100)) / 44100.0
    stereo = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 1234.5 * t + 0.3)], axis=1)
    sf.write(os.path.join(out, "tone-44k-stereo-f32.wav"), stereo.astype(np.float32), 44100, subtype="FLOAT")
    sf.write(os.path.join(out, "speech-22k-u8.wav"), seg, sr, subtype="PCM_U8")
    sf.write(os.path.join(out, "speech-22k-s24.wav"), seg, sr, subtype="PCM_24")
    sf.write(os.path.join(out, "speech-22k-s32.wav"), seg, sr, subtype="PCM_32")
    y8 = sf.read(os.path.join(shared, "audio/alsa-Front_Center.wav"), dtype="float32")[0]
    y8 = y8[::6][: int(0.8 * 8000)]  # crude 8 kHz copy: the content does not matter, the rate does
    sf.write(os.path.join(out, "speech-8k-s16.wav"), y8, 8000, subtype="PCM_16")
    encode_audio(os.path.join(shared, "audio/espeak-en-harvard-01.wav"), os.path.join(out, "speech-22k.mp3"), "libmp3lame", 22050, "fltp", 1.5)
    encode_audio(os.path.join(shared, "audio/espeak-en-harvard-01.wav"), os.path.join(out, "speech-48k.opus"), "libopus", 48000, "s16", 1.5, fmt="ogg")


def encode_audio(src, dst, codec, rate, sample_fmt, seconds, fmt=None):
    inp = av.open(src)
    outc = av.open(dst, "w", format=fmt)
    st = outc.add_stream(codec, rate=rate)
    st.layout = "mono"
    res = av.AudioResampler(format=sample_fmt, layout="mono", rate=rate)
    limit = int(seconds * rate)
    done = 0
    for frame in inp.decode(audio=0):
        for f in res.resample(frame):
            if done >= limit:
                break
            done += f.samples
            for p in st.encode(f):
                outc.mux(p)
    for f in res.resample(None):
        for p in st.encode(f):
            outc.mux(p)
    for p in st.encode(None):
        outc.mux(p)
    outc.close()
    inp.close()


def video(shared, out):
    """A 2.4 s 160x90 AV1 + Opus WebM cut from the slideshow (AV1 is what the Debian set lacks)."""
    src = av.open(os.path.join(shared, "video/slideshow-speech.webm"))
    dst = av.open(os.path.join(out, "slideshow-av1.webm"), "w")
    vs = dst.add_stream("libsvtav1", rate=10)
    vs.width, vs.height, vs.pix_fmt = 160, 90, "yuv420p"
    vs.options = {"preset": "12", "crf": "45"}
    aus = dst.add_stream("libopus", rate=48000)
    aus.layout = "mono"
    ares = av.AudioResampler(format="s16", layout="mono", rate=48000)
    for frame in src.decode(video=0):
        if frame.time is not None and frame.time >= 2.4:
            break
        vf = av.VideoFrame.from_image(frame.to_image().resize((160, 90))).reformat(format="yuv420p")
        vf.pts = None
        for p in vs.encode(vf):
            dst.mux(p)
    for p in vs.encode(None):
        dst.mux(p)
    src.close()
    src = av.open(os.path.join(shared, "video/slideshow-speech.webm"))
    for frame in src.decode(audio=0):
        if frame.time is not None and frame.time >= 2.4:
            break
        for f in ares.resample(frame):
            for p in aus.encode(f):
                dst.mux(p)
    for p in aus.encode(None):
        dst.mux(p)
    dst.close()
    src.close()


def frames(out):
    """A folder of 9 PNG frames (the first frames of the AV1 clip), for video given as images."""
    os.makedirs(out, exist_ok=True)
    c = av.open(os.path.join(out, "../video/slideshow-av1.webm"))
    for i, f in zip(range(9), c.decode(video=0)):
        f.to_image().save(os.path.join(out, "frame-%03d.png" % i))
    c.close()


def broken(out):
    """One bad file per media kind: truncated or corrupt, each a realistic failure."""
    def cut(name, n, dst):  # the first n bytes of a good file
        with open(os.path.join(out, name), "rb") as f:
            data = f.read()
        with open(os.path.join(out, "bad", dst), "wb") as f:
            f.write(data[:n])
    os.makedirs(os.path.join(out, "bad"), exist_ok=True)
    cut("images/horse.png", 2000, "truncated.png")
    cut("images/rocket.jpg", 50000, "truncated.jpg")
    cut("images/chelsea-150x100-lossless.webp", 10000, "truncated.webp")
    with open(os.path.join(out, "images/rocket.jpg"), "rb") as f:
        jpg = bytearray(f.read())
    for i in range(600, len(jpg) - 2, 7):  # scramble the entropy-coded data, keep the headers
        jpg[i] ^= 0x5A
    with open(os.path.join(out, "bad", "corrupt.jpg"), "wb") as f:
        f.write(jpg[:6000])
    cut("audio/alsa-Front_Center.wav", 40, "truncated.wav")
    cut("audio/espeak-en-harvard-02.flac", 200, "truncated.flac")
    cut("video/slideshow-speech.mp4", 3000, "truncated.mp4")
    with open(os.path.join(out, "bad", "not-media.mp3"), "wb") as f:
        f.write(b"this is a text file with an mp3 name\n" * 20)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", required=True, help="the shared media folder (../shared/data/media)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../fixtures/media"))
    a = ap.parse_args()
    for kind, names in COPIED.items():
        os.makedirs(os.path.join(a.out, kind), exist_ok=True)
        for n in names:
            shutil.copyfile(os.path.join(a.shared, kind, n), os.path.join(a.out, kind, n))
    images(a.shared, os.path.join(a.out, "images"))
    edge_images(a.shared, os.path.join(a.out, "images"))
    audio(a.shared, os.path.join(a.out, "audio"))
    video(a.shared, os.path.join(a.out, "video"))
    frames(os.path.join(a.out, "frames"))
    broken(a.out)


if __name__ == "__main__":
    main()
