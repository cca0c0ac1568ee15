package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import java.util.Arrays;
import picocli.CommandLine;

/** Token ids given as {@code --ids 1,5,17}. */
record TokenIds(int[] ids) {
    /** picocli converter; a plain {@code int[]} option would be taken as a repeated option. */
    static final class Converter implements CommandLine.ITypeConverter<TokenIds> {
        @Override
        public TokenIds convert(String value) {
            return new TokenIds(parse(value));
        }
    }

    static int[] parse(String value) {
        String trimmed = value.strip();
        if (trimmed.isEmpty()) {
            throw new InvalidInputException("--ids is empty: give comma-separated token ids, e.g. --ids 1,5,17");
        }
        return Arrays.stream(trimmed.split(",")).map(String::strip).mapToInt(s -> {
            try {
                int id = Integer.parseInt(s);
                if (id < 0) {
                    throw new NumberFormatException();
                }
                return id;
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + s + "' is not a token id (a non-negative integer); expected e.g. 1,5,17");
            }
        }).toArray();
    }
}
