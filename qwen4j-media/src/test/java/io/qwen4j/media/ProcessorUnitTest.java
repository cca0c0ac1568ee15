package io.qwen4j.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of the numerical pieces that the goldens exercise only through whole pipelines. */
class ProcessorUnitTest {
    @Test
    void fftAgreesWithTheDirectDft() {
        Random rnd = new Random(1);
        for (int n : new int[] {1, 2, 7, 12, 49, 400, 401}) {
            double[] re = new double[n];
            double[] im = new double[n];
            for (int i = 0; i < n; i++) {
                re[i] = rnd.nextGaussian();
                im[i] = rnd.nextGaussian();
            }
            double[] fr = new double[n];
            double[] fi = new double[n];
            new Fft(n).forward(re, im, fr, fi);
            double max = 0;
            for (int k = 0; k < n; k++) {
                double sr = 0;
                double si = 0;
                for (int j = 0; j < n; j++) {
                    double a = -2 * Math.PI * ((long) j * k % n) / n;
                    sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
                    si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
                }
                max = Math.max(max, Math.max(Math.abs(sr - fr[k]), Math.abs(si - fi[k])));
            }
            assertTrue(max < 1e-9 * n, "FFT of " + n + " differs from the DFT by " + max);
        }
    }

    @Test
    void resamplerKeepsToneAndLength() {
        for (int rate : new int[] {8000, 11025, 22050, 24000, 32000, 44100, 48000, 96000}) {
            int n = rate; // one second
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (0.5 * Math.sin(2 * Math.PI * 1000 * i / rate));
            }
            float[] y = new Resampler(rate, 16000).resample(x);
            assertEquals(16000, y.length, rate + " Hz: one second out");
            double max = 0;
            for (int i = 2000; i < 14000; i++) { // away from the edges
                max = Math.max(max, Math.abs(y[i] - 0.5 * Math.sin(2 * Math.PI * 1000 * i / 16000.0)));
            }
            assertTrue(max < 1e-4, rate + " Hz: a 1 kHz tone comes out at 16 kHz within " + max);
        }
    }

    @Test
    void orientationsComposeLikeTheirGeometry() {
        RgbImage img = MediaGoldens.pattern(3, 5);
        assertArrayEquals(img.rgb(), Orientation.apply(Orientation.apply(img, 6), 8).rgb(), "rotate 270 then 90");
        assertArrayEquals(img.rgb(), Orientation.apply(Orientation.apply(img, 3), 3).rgb(), "rotate 180 twice");
        assertArrayEquals(img.rgb(), Orientation.apply(Orientation.apply(img, 5), 5).rgb(), "transpose twice");
        assertArrayEquals(Orientation.apply(Orientation.apply(img, 2), 4).rgb(), Orientation.apply(img, 3).rgb(), "two flips make 180");
        RgbImage r = Orientation.apply(img, 6); // 90 degrees clockwise: the top-left pixel goes top-right
        assertEquals(img.get(0, 0, 0), r.get(r.width() - 1, 0, 0));
    }

    @Test
    void interleavingKeepsEveryTokenOnce() {
        boolean[] o = AudioInVideo.order(26, 2, 4, 1.0, 13);
        int v = 0;
        for (boolean b : o) {
            v += b ? 1 : 0;
        }
        assertEquals(34, o.length);
        assertEquals(8, v);
    }
}
