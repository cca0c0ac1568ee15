package io.qwen4j.tokenizer.chat.jinja;

import io.qwen4j.tokenizer.chat.jinja.Py.Undefined;
import java.util.ArrayList;
import java.util.List;

/** Python's binary operators on template values: {@code + - * / // % **}. */
final class Arithmetic {
    private Arithmetic() {
    }

    static Object apply(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (Py.isNumber(a) && Py.isNumber(b)) {
            return numeric(op, a, b);
        }
        switch (op) {
            case "+" -> {
                if (a instanceof String x && b instanceof String y) {
                    return x + y;
                }
                if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Py.Tuple) == (b instanceof Py.Tuple)) {
                    List<Object> sum = new ArrayList<>(x);
                    sum.addAll(y);
                    return a instanceof Py.Tuple ? new Py.Tuple(sum) : sum;
                }
                if (a instanceof String) {
                    throw JinjaException.runtime("can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
                }
            }
            case "*" -> {
                if (a instanceof String s && Py.isInt(b)) {
                    return s.repeat((int) Math.max(0, Py.toLong(b)));
                }
                if (b instanceof String s && Py.isInt(a)) {
                    return s.repeat((int) Math.max(0, Py.toLong(a)));
                }
                if (a instanceof List<?> l && Py.isInt(b)) {
                    List<Object> out = new ArrayList<>();
                    for (long i = 0; i < Py.toLong(b); i++) {
                        out.addAll(l);
                    }
                    return out;
                }
            }
            case "%" -> {
                if (a instanceof String format) {
                    return Builtins.printf(format, b instanceof Py.Tuple t ? new ArrayList<>(t) : List.of(b));
                }
            }
            default -> {
            }
        }
        throw JinjaException.runtime("unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '"
                + Py.typeName(b) + "'");
    }

    private static Object numeric(String op, Object a, Object b) {
        if (Py.isInt(a) && Py.isInt(b)) {
            long x = Py.toLong(a);
            long y = Py.toLong(b);
            try {
                return switch (op) {
                    case "+" -> Math.addExact(x, y);
                    case "-" -> Math.subtractExact(x, y);
                    case "*" -> Math.multiplyExact(x, y);
                    case "/" -> {
                        zero(y);
                        yield (double) x / (double) y;
                    }
                    case "//" -> {
                        zero(y);
                        yield Math.floorDiv(x, y);
                    }
                    case "%" -> {
                        zero(y);
                        yield Math.floorMod(x, y);
                    }
                    default -> y >= 0 ? (Object) power(x, y) : (Object) Math.pow(x, y);
                };
            } catch (ArithmeticException e) {
                throw JinjaException.runtime("integer overflow in " + x + " " + op + " " + y);
            }
        }
        double x = Py.toDouble(a);
        double y = Py.toDouble(b);
        return switch (op) {
            case "+" -> x + y;
            case "-" -> x - y;
            case "*" -> x * y;
            case "/" -> {
                zero(y);
                yield x / y;
            }
            case "//" -> {
                zero(y);
                yield Math.floor(x / y);
            }
            case "%" -> {
                zero(y);
                double m = x % y;
                yield m != 0 && (m < 0) != (y < 0) ? m + y : m;
            }
            default -> Math.pow(x, y);
        };
    }

    private static long power(long base, long exponent) {
        long result = 1;
        for (long i = 0; i < exponent; i++) {
            result = Math.multiplyExact(result, base);
        }
        return result;
    }

    private static void zero(double divisor) {
        if (divisor == 0) {
            throw JinjaException.runtime("division by zero");
        }
    }
}
