package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.formats.GgufFile;
import io.qwen4j.formats.GgufTokenizer;
import io.qwen4j.formats.Json;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer a GGUF carries gives the same ids as the checkpoint's tokenizer.json. */
class GgufTokenizerTest {
    static final Path FIXTURES = Path.of(System.getProperty("qwen4j.fixtures"));

    @TempDir
    Path tmp;

    static List<String> corpus() throws IOException {
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(FIXTURES.resolve("tokenizer/corpus/snippets.jsonl"))) {
            texts.add(Json.parse(line, "snippet").get("text").asText());
        }
        return texts;
    }

    static Tokenizer fromGguf(Path file) {
        try (GgufFile f = GgufFile.open(file)) {
            GgufTokenizer t = f.tokenizer().orElseThrow();
            assertEquals("gpt2", t.model());
            assertEquals("qwen2", t.pre().orElseThrow());
            return Tokenizer.fromTokenList(t.tokens(), t.merges(), t.tokenTypes(), file.toString());
        }
    }

    @Test
    void aGgufFromTheReferenceWriterTokenizesLikeItsTokenizerJson() throws IOException {
        // fixtures/gguf/demo-q8_0.gguf: the demo model written by gguf-py as convert_hf_to_gguf.py does
        Tokenizer json = Tokenizer.load(EmbeddedModel.path());
        Tokenizer gguf = fromGguf(FIXTURES.resolve("gguf/demo-q8_0.gguf"));
        List<String> texts = corpus();
        texts.add("<|im_start|>user\nHi <think>x</think><tool_call>{}</tool_call><|im_end|>");
        for (String text : texts) {
            int[] ids = json.encode(text);
            assertArrayEquals(ids, gguf.encode(text), text);
            assertEquals(json.decode(ids), gguf.decode(ids));
        }
        for (int id = 0; id < json.vocabSize(); id++) {
            // convert_hf_to_gguf.py marks added tokens that look like <|...|> as control (special) even where
            // tokenizer.json does not (e.g. <|fim_prefix|>); every other token keeps its flag
            String text = json.tokenText(id);
            if (!(text.startsWith("<|") && text.endsWith("|>"))) {
                assertEquals(json.isSpecial(id), gguf.isSpecial(id), "special flag of " + id + " " + text);
            }
        }
    }

    @Test
    void theRealQwen3TokenizerSurvivesConvertWithHuggingFacesIds() throws IOException {
        // qwen4j convert writes the tokenizer.ggml.* keys from tokenizer.json; the GGUF's tokenizer must give
        // the ids HF tokenizers gives (fixtures/tokenizer/corpus/golden_qwen3.jsonl) on every snippet
        // a random model whose vocabulary covers Qwen3's tokenizer (151936 rows, like the real ones), tiny otherwise
        Path model = tmp.resolve("model");
        SyntheticModel.write(new SyntheticModel.Shape("qwen3-vocab", "qwen3", 151936, 32, 64, 1, 2, 1, 16, true, 0, 0, 0), model);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(FIXTURES.resolve("tokenizer/qwen3/tokenizer.json.gz")))) {
            Files.copy(in, model.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING); // over the synthetic one
        }
        Files.copy(FIXTURES.resolve("tokenizer/qwen3/tokenizer_config.json"), model.resolve("tokenizer_config.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Path out = tmp.resolve("model.gguf");
        CliRunner r = CliRunner.run("convert", "--model", model.toString(), "--out", out.toString(), "--type", "bf16", "--threads", "1");
        assertEquals(0, r.status(), r.toString());
        Tokenizer gguf = fromGguf(out);
        List<String> texts = corpus();
        List<String> golden = Files.readAllLines(FIXTURES.resolve("tokenizer/corpus/golden_qwen3.jsonl"));
        assertEquals(texts.size(), golden.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] expected = Json.parse(golden.get(i), "golden").get("ids").valueStream().mapToInt(JsonNode::asInt).toArray();
            assertArrayEquals(expected, gguf.encode(texts.get(i)), "snippet " + i);
        }
        try (GgufFile f = GgufFile.open(out)) {
            assertTrue(f.tokenizer().orElseThrow().chatTemplate().orElseThrow().contains("<|im_start|>"), "the chat template travels too");
        }
    }

    @Test
    void convertRefusesATokenizerLargerThanTheVocabulary() throws IOException {
        Path model = tmp.resolve("small");
        SyntheticModel.write(new SyntheticModel.Shape("small", "qwen3", 256, 32, 64, 1, 2, 1, 16, true, 0, 0, 0), model);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(FIXTURES.resolve("tokenizer/qwen3/tokenizer.json.gz")))) {
            Files.copy(in, model.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING); // over the synthetic one
        }
        CliRunner r = CliRunner.run("convert", "--model", model.toString(), "--out", tmp.resolve("x.gguf").toString(), "--type", "bf16");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("vocab_size is 256"), r.err());
    }

    @Test
    void aGgufFileChatsWithItsEmbeddedTokenizerAndTemplate() {
        Path file = FIXTURES.resolve("gguf/demo-q8_0.gguf");
        List<ChatMessage> messages = List.of(ChatMessage.user("Hello there"));
        ChatRequest request = ChatRequest.builder(messages, SamplingParams.greedy()).maxTokens(6).thinking(ChatRequest.Thinking.OFF).build();
        String expectedPrompt;
        try (ChatEngine dir = ChatEngine.open("dir", EmbeddedModel.path(), LoadOptions.defaults().withThreads(1), EngineOptions.single())) {
            expectedPrompt = dir.render(request);
        }
        try (ChatEngine gguf = ChatEngine.open("gguf", file, LoadOptions.defaults().withThreads(1), EngineOptions.single())) {
            assertEquals(expectedPrompt, gguf.render(request));
            assertFalse(gguf.chat(request, x -> {}).generation().tokenIds().length == 0);
        }
    }
}
