/** Images, audio and video in: decoding, and the Qwen3-Omni preprocessing that feeds the encoders. */
module io.qwen4j.media {
    requires transitive io.qwen4j.formats;
    requires java.desktop;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.ffmpeg;
    requires com.twelvemonkeys.imageio.metadata;
    exports io.qwen4j.media;
}
