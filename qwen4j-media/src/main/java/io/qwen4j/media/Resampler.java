package io.qwen4j.media;

import io.qwen4j.common.InvalidInputException;

/**
 * Sample-rate conversion by an exact rational polyphase FIR whose low-pass filter is designed as libsoxr
 * designs its "HQ" filters ({@code soxr_quality_spec(SOXR_HQ)}: 20-bit precision, linear phase, pass band to
 * {@code 1 - 0.05 / to_3dB(120.4 dB)} of the lower Nyquist, stop band from that Nyquist, 126.4 dB stop-band
 * attenuation, Kaiser window), because Hugging Face pipelines load audio with
 * {@code librosa.load(sr=16000)}, which resamples with soxr HQ. Output sample {@code j} sits at input time
 * {@code j * in / out}; the output has {@code ceil(n * out / in)} samples ({@code librosa.resample}'s
 * {@code fix_length}). Where soxr uses one DFT stage (ratios with max(L, M) below 5, as 48, 32, 24, 12 and
 * 8 kHz to 16 kHz) the filter is soxr's own and the output agrees to about 1e-7; other ratios (22.05 and
 * 44.1 kHz) soxr runs through its polyphase "arb" stage, whose filter differs: up to 7e-5 apart, see
 * {@code AudioGoldenTest}.
 * Mirrors {@code lsx_design_lpf}, {@code lsx_kaiser_params}, {@code lsx_make_lpf} and
 * {@code lsx_inv_f_resp} of libsoxr 0.1.3 ({@code filter.c}).
 */
public final class Resampler {
    /** Largest filter table, in coefficients (64 MB): rates whose reduced ratio needs more are refused. */
    private static final long MAX_TAPS = 8L << 20;
    /** soxr HQ: 20 bits of precision. */
    private static final double BITS = 20;

    private final int inRate;
    private final int outRate;
    private final int up;    // L: output rate / gcd
    private final int down;  // M: input rate / gcd
    private final double[] h; // the prototype filter at rate in*L, centred at (h.length - 1) / 2, gain L

    public Resampler(int inRate, int outRate) {
        if (inRate <= 0 || outRate <= 0) {
            throw new InvalidInputException("sample rates must be positive, not " + inRate + " and " + outRate);
        }
        this.inRate = inRate;
        this.outRate = outRate;
        int g = gcd(inRate, outRate);
        up = outRate / g;
        down = inRate / g;
        if (up == down) {
            h = new double[] {1};
            return;
        }
        double linearToDb2 = 20 * Math.log10(2);
        double rej = BITS * linearToDb2;
        double att = (BITS + 1) * linearToDb2; // soxr: +1 bit, pass and stop band
        double fp = 1 - 0.05 / (1 - invFResp(-3, rej)); // soxr_quality_spec: passband_end
        double fs = 1;                                   // stopband_begin
        if (Math.max(up, down) < 5 || up * down < 6) {
            // soxr's case of one DFT stage (_soxr_init: "rational && (max(L, M) < 3 + 2 * iOpt || L * M < 6 * iOpt)"):
            // taps = 1 (mod 4) designed at the L-times rate with Fn = max(L, M), gain L (dft_stage_init)
            double[] f = designLpf(fp, fs, Math.max(up, down), att, -4);
            for (int i = 0; i < f.length; i++) {
                f[i] *= up;
            }
            h = f;
        } else {
            // soxr uses two stages here (a polyphase stage, sometimes after a 2x DFT stage): one polyphase
            // filter with the same pass band, stop band and attenuation comes close (see the class comment)
            h = designLpf(fp, fs, Math.max(1.0, (double) inRate / outRate), att, up);
        }
    }

    public int inRate() {
        return inRate;
    }

    public int outRate() {
        return outRate;
    }

    /** Converts one channel. */
    public float[] resample(float[] x) {
        if (up == down) {
            return x.clone();
        }
        long n = x.length;
        int outLen = Math.toIntExact((n * up + down - 1) / down); // ceil(n * out / in)
        float[] y = new float[outLen];
        int taps = h.length;
        int center = (taps - 1) / 2;
        for (int j = 0; j < outLen; j++) {
            long pos = (long) j * down + center; // filter index of input sample k is pos - k * up
            long kMin = Math.max(0, Math.floorDiv(pos - (taps - 1) + up - 1, up));
            long kMax = Math.min(n - 1, Math.floorDiv(pos, up));
            double acc = 0;
            for (long k = kMin; k <= kMax; k++) {
                acc += x[(int) k] * h[(int) (pos - k * up)];
            }
            y[j] = (float) acc;
        }
        return y;
    }

    // ---- libsoxr filter design (filter.c) ----

    /** lsx_design_lpf: a Kaiser-windowed sinc; k > 0 phases, k < 0 taps = 1 (mod -k). */
    static double[] designLpf(double fp, double fs, double fn, double att, int k) {
        int phases = Math.max(k, 1);
        int modulo = Math.max(-k, 1);
        double rho = phases == 1 ? 0.5 : att < 120 ? 0.63 : 0.75;
        fp /= Math.abs(fn);
        fs /= Math.abs(fn);
        double trBw = 0.5 * (fs - fp);
        trBw /= phases;
        fs /= phases;
        trBw = Math.min(trBw, 0.5 * fs);
        double fc = fs - trBw;
        double beta = kaiserBeta(att, trBw * 0.5 / fc);
        double a = att < 60 ? (att - 7.95) / (2.285 * Math.PI * 2)
                : ((0.0007528358 - 1.577737e-05 * beta) * beta + 0.6248022) * beta + 0.06186902;
        long numTaps = (long) Math.ceil(a / trBw + 1);
        numTaps = phases > 1 ? numTaps / phases * phases + phases - 1 : (numTaps + modulo - 2) / modulo * modulo + 1;
        if (numTaps > MAX_TAPS) {
            throw new InvalidInputException("cannot resample between these sample rates (the filter would need " + numTaps
                    + " coefficients); convert the audio to a common rate such as 48000 Hz first");
        }
        return makeLpf((int) numTaps, fc, beta, rho, phases);
    }

    /** lsx_make_lpf. */
    static double[] makeLpf(int numTaps, double fc, double beta, double rho, double scale) {
        int m = numTaps - 1;
        double[] h = new double[numTaps];
        double mult = scale / besselI0(beta);
        double mult1 = 1 / (0.5 * m + rho);
        for (int i = 0; i <= m / 2; i++) {
            double z = i - 0.5 * m;
            double x = z * Math.PI;
            double y = z * mult1;
            double v = x != 0 ? Math.sin(fc * x) / x : fc;
            v *= besselI0(beta * Math.sqrt(1 - y * y)) * mult;
            h[i] = v;
            h[m - i] = v;
        }
        return h;
    }

    /** lsx_kaiser_beta. */
    static double kaiserBeta(double att, double trBw) {
        if (att >= 60) {
            double[][] coefs = {
                {-6.784957e-10, 1.02856e-05, 0.1087556, -0.8988365 + .001},
                {-6.897885e-10, 1.027433e-05, 0.10876, -0.8994658 + .002},
                {-1.000683e-09, 1.030092e-05, 0.1087677, -0.9007898 + .003},
                {-3.654474e-10, 1.040631e-05, 0.1087085, -0.8977766 + .006},
                {8.106988e-09, 6.983091e-06, 0.1091387, -0.9172048 + .015},
                {9.519571e-09, 7.272678e-06, 0.1090068, -0.9140768 + .025},
                {-5.626821e-09, 1.342186e-05, 0.1083999, -0.9065452 + .05},
                {-9.965946e-08, 5.073548e-05, 0.1040967, -0.7672778 + .085},
                {1.604808e-07, -5.856462e-05, 0.1185998, -1.34824 + .1},
                {-1.511964e-07, 6.363034e-05, 0.1064627, -0.9876665 + .18},
            };
            double realm = Math.log(trBw / .0005) / Math.log(2.);
            double[] c0 = coefs[Math.clamp((int) realm, 0, coefs.length - 1)];
            double[] c1 = coefs[Math.clamp(1 + (int) realm, 0, coefs.length - 1)];
            double b0 = ((c0[0] * att + c0[1]) * att + c0[2]) * att + c0[3];
            double b1 = ((c1[0] * att + c1[1]) * att + c1[2]) * att + c1[3];
            return b0 + (b1 - b0) * (realm - (int) realm);
        }
        if (att > 50) {
            return .1102 * (att - 8.7);
        }
        if (att > 20.96) {
            return .58417 * Math.pow(att - 20.96, .4) + .07886 * (att - 20.96);
        }
        return 0;
    }

    /** lsx_inv_f_resp: where the pass band of an {@code a} dB filter has dropped by {@code drop} dB. */
    static double invFResp(double drop, double a) {
        double x = ((2.0517e-07 * a - 1.1303e-04) * a + .023154) * a + .55924; // sinePhi
        drop = Math.exp(drop * (Math.log(10) * 0.05));
        double s = drop > .5 ? 1 - drop : drop;
        double sinePow = Math.log(.5) / Math.log(Math.sin(x * .5));
        x = Math.asin(Math.pow(s, 1 / sinePow)) / x;
        return drop > .5 ? x : 1 - x;
    }

    /** The modified Bessel function I0 by its power series (converges for every argument used here). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 500; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
