package io.qwen4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwen4j tokenize}: JSON lines of text to JSON lines of token ids, and back with --decode. */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Turns JSON lines of text into JSON lines of token ids, or back with --decode.",
            "%nReads one JSON object a line, {\"text\": \"...\"}, and writes {\"ids\": [...]} for each, in the same"
                + " order, exactly as Hugging Face tokenizers encodes with add_special_tokens=False: no BOS or EOS"
                + " is added, but special-token text such as <|im_start|> inside the text becomes that token."
                + " With --decode it reads {\"ids\": [...]} and writes {\"text\": \"...\"} (non-ASCII as \\u escapes)."
                + " Blank lines are skipped. A bad line stops with an error naming its number.",
            "%nExamples:%n"
                + "  echo '{\"text\": \"Hi!\"}' | qwen4j tokenize --model ./Qwen3-0.6B --jsonl -%n"
                + "  qwen4j tokenize --tokenizer tokenizer.json --jsonl texts.jsonl > ids.jsonl%n"
                + "  qwen4j tokenize --tokenizer tokenizer.json --jsonl ids.jsonl --decode%n"
        })
final class TokenizeCommand implements Callable<Integer> {
    /** Plain JSON out, ASCII only, so no terminal or pipe encoding can mangle it. */
    private static final ObjectMapper OUT_JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    @ArgGroup(exclusive = true, multiplicity = "1")
    TokenizerSource source;

    static final class TokenizerSource {
        @Option(names = "--tokenizer", required = true, paramLabel = "FILE",
                description = "A Hugging Face tokenizer.json (or tokenizer.json.gz).")
        Path file;

        @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
                description = "A model folder holding tokenizer.json.")
        Path model;

        Path path() {
            return file != null ? file : model;
        }
    }

    @Option(names = "--jsonl", required = true, paramLabel = "FILE|-", description = "Input JSON lines; - reads standard input.")
    String jsonl;

    @Option(names = "--decode", description = "Read {\"ids\": [...]} lines and write {\"text\": ...} lines.")
    boolean decode;

    @Option(names = "--skip-special-tokens", description = "With --decode: leave out special tokens such as <|im_end|>"
            + " (<think> and <tool_call> are not special and stay).")
    boolean skipSpecialTokens;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Tokenizer tokenizer = Tokenizer.load(source.path());
        PrintWriter out = spec.commandLine().getOut();
        String name = jsonl.equals("-") ? "standard input" : jsonl;
        try (BufferedReader in = open()) {
            int lineNumber = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String where = "line " + lineNumber + " of " + name;
                JsonNode row = parse(line, where);
                Map<String, Object> result = decode
                        ? Map.of("text", tokenizer.decode(ids(row, where, tokenizer), skipSpecialTokens))
                        : Map.of("ids", tokenizer.encode(text(row, where)));
                out.print(OUT_JSON.writeValueAsString(result) + "\n"); // print, not println: no flush per line
            }
        } catch (IOException e) {
            throw new Qwen4jException("cannot read " + name + ": " + e.getMessage(), e);
        } finally {
            out.flush();
        }
        return 0;
    }

    private BufferedReader open() throws IOException {
        if (jsonl.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(Path.of(jsonl), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(jsonl + " does not exist");
        }
    }

    private static JsonNode parse(String line, String where) {
        try {
            JsonNode row = OUT_JSON.readTree(line);
            if (row != null && row.isObject()) {
                return row;
            }
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(where + " is not JSON: " + e.getOriginalMessage());
        }
        throw new InvalidInputException(where + " is not a JSON object");
    }

    private static String text(JsonNode row, String where) {
        JsonNode text = row.get("text");
        if (text == null || !text.isTextual()) {
            throw new InvalidInputException(where + " has no \"text\" string");
        }
        return text.asText();
    }

    private static int[] ids(JsonNode row, String where, Tokenizer tokenizer) {
        JsonNode ids = row.get("ids");
        if (ids == null || !ids.isArray()) {
            throw new InvalidInputException(where + " has no \"ids\" array");
        }
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode id = ids.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= tokenizer.vocabSize()) {
                throw new InvalidInputException(where + ": " + id + " is not a token id of this tokenizer (0.."
                        + (tokenizer.vocabSize() - 1) + ")");
            }
            out[i] = id.asInt();
        }
        return out;
    }
}
