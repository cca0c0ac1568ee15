package io.qwen4j.tokenizer.chat.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Small templates rendered by transformers' Jinja environment (fixtures/chat/jinja_snippets.jsonl, made by
 * tools/golden/make_chat_goldens.py): the interpreter must print the same, or fail where Jinja2 fails.
 */
class JinjaSnippetTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> rendersLikeJinja2() throws IOException {
        String root = System.getProperty("qwen4j.fixtures");
        if (root == null) {
            fail("system property qwen4j.fixtures is not set: run the tests through Maven (./test)");
        }
        Path file = Path.of(root, "chat", "jinja_snippets.jsonl");
        if (!Files.isRegularFile(file)) {
            fail("missing fixture " + file + ": run tools/golden/make_chat_goldens.py");
        }
        List<String> lines = Files.readAllLines(file);
        return lines.stream().filter(l -> !l.isBlank()).map(line -> {
            Map<?, ?> g;
            try {
                g = JSON.readValue(line, Map.class);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            String template = (String) g.get("template");
            @SuppressWarnings("unchecked")
            Map<String, ?> variables = (Map<String, ?>) g.get("variables");
            return DynamicTest.dynamicTest(template.length() > 60 ? template.substring(0, 60) : template, () -> {
                if (g.containsKey("error")) {
                    String error = (String) g.get("error");
                    JinjaException e = assertThrows(JinjaException.class, () -> Template.parse(template).render(variables),
                            "Jinja2 raised " + error);
                    if (error.startsWith("TemplateError: ")) {
                        assertEquals(JinjaException.Kind.RAISED, e.kind());
                        assertEquals(error.substring("TemplateError: ".length()), e.getMessage());
                    }
                    assertTrue(e.line() > 0, "an error names its line");
                    return;
                }
                String expected = (String) g.get("output");
                String actual = Template.parse(template).render(variables);
                assertEquals(expected, actual, "template " + template);
            });
        });
    }

    @Test
    void errorsNameTheirLine() {
        JinjaException runtime = assertThrows(JinjaException.class,
                () -> Template.parse("a\n{% if true %}\n{{ x.y }}\n{% endif %}").render(Map.of()));
        assertEquals(3, runtime.line());
        assertEquals("'x' is undefined", runtime.getMessage());
        JinjaException syntax = assertThrows(JinjaException.class, () -> Template.parse("ok\n\n{% if x %}\nnever closed"));
        assertEquals(JinjaException.Kind.SYNTAX, syntax.kind());
        JinjaException filter = assertThrows(JinjaException.class, () -> Template.parse("\n{{ x | nosuchfilter }}"));
        assertEquals(2, filter.line());
        assertEquals("no filter named 'nosuchfilter'", filter.getMessage());
        JinjaException tag = assertThrows(JinjaException.class, () -> Template.parse("{% include 'x.jinja' %}"));
        assertEquals("unknown or unsupported tag 'include'", tag.getMessage());
    }
}
