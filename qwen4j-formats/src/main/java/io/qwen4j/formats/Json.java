package io.qwen4j.formats;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.qwen4j.common.ModelFileException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The one JSON mapper, and reading JSON files with errors that name the file. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS) // config files written by Python may hold NaN/Infinity
            .build();

    static {
        // Headers of large checkpoints and tokenizer.json files exceed Jackson's default 20 MB string limit.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).maxDocumentLength(Long.MAX_VALUE).build());
    }

    private Json() {}

    /** Parses a JSON file; a missing or malformed file is a {@link ModelFileException} naming it. */
    public static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ModelFileException(file + " does not exist");
        } catch (IOException e) {
            throw new ModelFileException(file + " is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    public static JsonNode parse(String text, String what) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new ModelFileException(what + " is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
