package io.qwen4j.tokenizer.chat.jinja;

import io.qwen4j.tokenizer.chat.jinja.Ast.Args;
import io.qwen4j.tokenizer.chat.jinja.Ast.AttrTarget;
import io.qwen4j.tokenizer.chat.jinja.Ast.Binary;
import io.qwen4j.tokenizer.chat.jinja.Ast.Branch;
import io.qwen4j.tokenizer.chat.jinja.Ast.Call;
import io.qwen4j.tokenizer.chat.jinja.Ast.Compare;
import io.qwen4j.tokenizer.chat.jinja.Ast.Concat;
import io.qwen4j.tokenizer.chat.jinja.Ast.CondExpr;
import io.qwen4j.tokenizer.chat.jinja.Ast.Const;
import io.qwen4j.tokenizer.chat.jinja.Ast.DictLit;
import io.qwen4j.tokenizer.chat.jinja.Ast.Expr;
import io.qwen4j.tokenizer.chat.jinja.Ast.Filter;
import io.qwen4j.tokenizer.chat.jinja.Ast.FilterCall;
import io.qwen4j.tokenizer.chat.jinja.Ast.GetAttr;
import io.qwen4j.tokenizer.chat.jinja.Ast.GetItem;
import io.qwen4j.tokenizer.chat.jinja.Ast.ListLit;
import io.qwen4j.tokenizer.chat.jinja.Ast.Name;
import io.qwen4j.tokenizer.chat.jinja.Ast.NameTarget;
import io.qwen4j.tokenizer.chat.jinja.Ast.Node;
import io.qwen4j.tokenizer.chat.jinja.Ast.Slice;
import io.qwen4j.tokenizer.chat.jinja.Ast.Target;
import io.qwen4j.tokenizer.chat.jinja.Ast.Test;
import io.qwen4j.tokenizer.chat.jinja.Ast.TupleLit;
import io.qwen4j.tokenizer.chat.jinja.Ast.TupleTarget;
import io.qwen4j.tokenizer.chat.jinja.Ast.Unary;
import io.qwen4j.tokenizer.chat.jinja.Lexer.Kind;
import io.qwen4j.tokenizer.chat.jinja.Lexer.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive descent over Jinja2's grammar, with its operator precedence (mirrors jinja2/parser.py). */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> tokens;
    private int pos;
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Node> body = p.subparse(Set.of());
        if (p.current().kind() != Kind.EOF) {
            Token t = p.current();
            throw JinjaException.syntax("unexpected tag '" + t.value() + "'", t.line());
        }
        return body;
    }

    // ---- token stream ------------------------------------------------------------------------------

    private Token current() {
        return tokens.get(pos);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.EOF) {
            pos++;
        }
        return t;
    }

    private boolean skipOp(String op) {
        if (current().isOp(op)) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) {
            pos++;
            return true;
        }
        return false;
    }

    private Token expect(Kind kind, String value, String what) {
        Token t = current();
        if (t.kind() != kind || (value != null && !t.value().equals(value))) {
            throw JinjaException.syntax("expected " + what + ", got " + t.describe(), t.line());
        }
        return next();
    }

    private String expectName() {
        return expect(Kind.NAME, null, "a name").value();
    }

    private void expectBlockEnd() {
        expect(Kind.BLOCK_END, null, "end of statement block '%}'");
    }

    // ---- statements --------------------------------------------------------------------------------

    /** Nodes until a block whose first name is one of {@code endTags} (left unconsumed), or the end. */
    private List<Node> subparse(Set<String> endTags) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = current();
            switch (t.kind()) {
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw JinjaException.syntax("unexpected end of template, expected one of "
                                + endTags.stream().sorted().toList(), t.line());
                    }
                    return body;
                }
                case TEXT -> body.add(new Ast.Text(next().value()));
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(true);
                    expect(Kind.VAR_END, null, "end of print statement '}}'");
                    body.add(new Ast.Output(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek(1);
                    if (name.kind() == Kind.NAME && endTags.contains(name.value())) {
                        next();
                        return body;
                    }
                    next();
                    Node n = statement();
                    if (n != null) {
                        body.add(n);
                    }
                }
                default -> throw JinjaException.syntax("unexpected " + t.describe(), t.line());
            }
        }
    }

    /** Ends a block body: consumes the end tag's name (the BLOCK_BEGIN was consumed by subparse). */
    private String endTag() {
        return next().value();
    }

    private Node statement() {
        Token t = current();
        if (t.kind() != Kind.NAME) {
            throw JinjaException.syntax("tag name expected", t.line());
        }
        int line = t.line();
        next();
        return switch (t.value()) {
            case "if" -> ifStatement(line);
            case "for" -> forStatement(line);
            case "set" -> setStatement(line);
            case "macro" -> macro(line);
            case "filter" -> filterBlock(line);
            case "with" -> with(line);
            case "generation" -> generation();
            case "break", "continue" -> {
                if (loopDepth == 0) {
                    throw JinjaException.syntax("'" + t.value() + "' outside of a loop", line);
                }
                expectBlockEnd();
                yield t.value().equals("break") ? new Ast.Break(line) : new Ast.Continue(line);
            }
            default -> throw JinjaException.syntax("unknown or unsupported tag '" + t.value() + "'", line);
        };
    }

    private Node ifStatement(int line) {
        List<Branch> branches = new ArrayList<>();
        Expr condition = parseTuple(false);
        expectBlockEnd();
        int branchLine = line;
        while (true) {
            List<Node> body = subparse(Set.of("elif", "else", "endif"));
            branches.add(new Branch(condition, body, branchLine));
            Token end = current();
            String tag = endTag();
            if (tag.equals("elif")) {
                branchLine = end.line();
                condition = parseTuple(false);
                expectBlockEnd();
                continue;
            }
            List<Node> otherwise = List.of();
            if (tag.equals("else")) {
                expectBlockEnd();
                otherwise = subparse(Set.of("endif"));
                endTag();
            }
            expectBlockEnd();
            return new Ast.If(branches, otherwise);
        }
    }

    private Node forStatement(int line) {
        Target target = assignTarget(false);
        expect(Kind.NAME, "in", "'in'");
        Expr iterable = parseTuple(false);
        Expr filter = null;
        if (skipName("if")) {
            filter = parseTuple(true);
        }
        if (current().isName("recursive")) {
            throw JinjaException.syntax("recursive loops are not supported", line);
        }
        expectBlockEnd();
        loopDepth++;
        List<Node> body = subparse(Set.of("endfor", "else"));
        loopDepth--;
        List<Node> otherwise = List.of();
        if (endTag().equals("else")) {
            expectBlockEnd();
            otherwise = subparse(Set.of("endfor"));
            endTag();
        }
        expectBlockEnd();
        return new Ast.For(target, iterable, filter, body, otherwise, line);
    }

    private Node setStatement(int line) {
        Target target = assignTarget(true);
        if (skipOp("=")) {
            Expr value = parseTuple(true);
            expectBlockEnd();
            return new Ast.Set(target, value, line);
        }
        List<FilterCall> filters = new ArrayList<>();
        while (skipOp("|")) {
            filters.add(filterCall());
        }
        expectBlockEnd();
        List<Node> body = subparse(Set.of("endset"));
        endTag();
        expectBlockEnd();
        return new Ast.SetBlock(target, filters, body, line);
    }

    /** A name, {@code a, b} / {@code (a, b)} to unpack, or (for set) {@code ns.attr}. */
    private Target assignTarget(boolean allowAttribute) {
        boolean paren = skipOp("(");
        String first = expectName();
        if (allowAttribute && !paren && skipOp(".")) {
            return new AttrTarget(first, expectName());
        }
        if (!current().isOp(",")) {
            if (paren) {
                expect(Kind.OP, ")", "')'");
            }
            return new NameTarget(first);
        }
        List<String> names = new ArrayList<>(List.of(first));
        while (skipOp(",")) {
            if (current().kind() != Kind.NAME || current().isName("in")) {
                break;
            }
            names.add(expectName());
        }
        if (paren) {
            expect(Kind.OP, ")", "')'");
        }
        return new TupleTarget(names);
    }

    private Node macro(int line) {
        String name = expectName();
        expect(Kind.OP, "(", "'('");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        commaSeparated(")", () -> {
            params.add(expectName());
            if (skipOp("=")) {
                defaults.add(parseExpression());
            } else if (!defaults.isEmpty()) {
                throw JinjaException.syntax("non-default argument follows default argument", line);
            }
        });
        expectBlockEnd();
        int saved = loopDepth;
        loopDepth = 0;
        List<Node> body = subparse(Set.of("endmacro"));
        loopDepth = saved;
        endTag();
        skipName(name);
        expectBlockEnd();
        return new Ast.MacroDef(name, params, defaults, body, line);
    }

    private Node filterBlock(int line) {
        List<FilterCall> filters = new ArrayList<>(List.of(filterCall()));
        while (skipOp("|")) {
            filters.add(filterCall());
        }
        expectBlockEnd();
        List<Node> body = subparse(Set.of("endfilter"));
        endTag();
        expectBlockEnd();
        return new Ast.FilterBlock(filters, body, line);
    }

    private Node with(int line) {
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expect(Kind.OP, ",", "','");
            }
            targets.add(assignTarget(false));
            expect(Kind.OP, "=", "'='");
            values.add(parseExpression());
        }
        expectBlockEnd();
        List<Node> body = subparse(Set.of("endwith"));
        endTag();
        expectBlockEnd();
        return new Ast.With(targets, values, body, line);
    }

    /** transformers' {@code {% generation %}} marks assistant text for masks; rendering ignores it. */
    private Node generation() {
        expectBlockEnd();
        List<Node> body = subparse(Set.of("endgeneration"));
        endTag();
        expectBlockEnd();
        return new Ast.If(List.of(new Branch(new Const(true), body, 0)), List.of());
    }

    // ---- expressions -------------------------------------------------------------------------------

    private Expr parseExpression() {
        return parseCondExpr();
    }

    /** Bare tuples ({@code a, b}) where Jinja allows them; {@code withCondExpr=false} stops before {@code if}. */
    private Expr parseTuple(boolean withCondExpr) {
        List<Expr> items = new ArrayList<>();
        boolean comma = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!skipOp(",")) {
                    break;
                }
                comma = true;
            }
            Token t = current();
            if (!items.isEmpty() && (t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.isOp(")")
                    || t.isName("if") || t.isName("recursive"))) {
                break;
            }
            items.add(withCondExpr ? parseCondExpr() : parseOr());
        }
        return comma ? new TupleLit(items) : items.getFirst();
    }

    private Expr parseCondExpr() {
        Expr expr = parseOr();
        while (skipName("if")) {
            Expr condition = parseOr();
            Expr otherwise = skipName("else") ? parseCondExpr() : null;
            expr = new CondExpr(condition, expr, otherwise);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (skipName("or")) {
            left = new Binary("or", left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (skipName("and")) {
            left = new Binary("and", left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (skipName("not")) {
            return new Unary("not", parseNot());
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.kind() == Kind.OP && COMPARE_OPS.contains(t.value())) {
                next();
                ops.add(t.value());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                pos += 2;
                ops.add("notin");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Compare(first, ops, rest);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOp("+") || current().isOp("-")) {
            String op = next().value();
            left = new Binary(op, left, parseConcat());
        }
        return left;
    }

    private Expr parseConcat() {
        List<Expr> parts = new ArrayList<>(List.of(parseMath2()));
        while (skipOp("~")) {
            parts.add(parseMath2());
        }
        return parts.size() == 1 ? parts.getFirst() : new Concat(parts);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (current().isOp("*") || current().isOp("/") || current().isOp("//") || current().isOp("%")) {
            String op = next().value();
            left = new Binary(op, left, parsePow());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (skipOp("**")) {
            left = new Binary("**", left, parseUnary(true));
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Expr node;
        if (skipOp("-")) {
            node = new Unary("-", parseUnary(false));
        } else if (skipOp("+")) {
            node = new Unary("+", parseUnary(false));
        } else {
            node = parsePostfix(parsePrimary());
        }
        return withFilter ? parseFilterExpr(node) : node;
    }

    private Expr parsePrimary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.value()) {
                    case "true", "True" -> new Const(true);
                    case "false", "False" -> new Const(false);
                    case "none", "None" -> new Const(null);
                    default -> new Name(t.value());
                };
            }
            case STRING -> {
                StringBuilder b = new StringBuilder(t.value());
                while (current().kind() == Kind.STRING) {
                    b.append(next().value());
                }
                return new Const(b.toString());
            }
            case INT -> {
                try {
                    return new Const(Long.parseLong(t.value()));
                } catch (NumberFormatException e) {
                    throw JinjaException.syntax("integer literal too large: " + t.value(), t.line());
                }
            }
            case FLOAT -> {
                return new Const(Double.parseDouble(t.value()));
            }
            case OP -> {
                switch (t.value()) {
                    case "(" -> {
                        if (skipOp(")")) {
                            return new TupleLit(List.of());
                        }
                        Expr first = parseExpression();
                        if (skipOp(")")) {
                            return first;
                        }
                        List<Expr> items = new ArrayList<>(List.of(first));
                        while (skipOp(",")) {
                            if (current().isOp(")")) {
                                break;
                            }
                            items.add(parseExpression());
                        }
                        expect(Kind.OP, ")", "')'");
                        return new TupleLit(items);
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        commaSeparated("]", () -> items.add(parseExpression()));
                        return new ListLit(items);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        commaSeparated("}", () -> {
                            keys.add(parseExpression());
                            expect(Kind.OP, ":", "':'");
                            values.add(parseExpression());
                        });
                        return new DictLit(keys, values);
                    }
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        throw JinjaException.syntax("unexpected " + t.describe(), t.line());
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (skipOp(".")) {
                Token t = next();
                if (t.kind() == Kind.NAME) {
                    node = new GetAttr(node, t.value());
                } else if (t.kind() == Kind.INT) {
                    node = new GetItem(node, new Const(Long.parseLong(t.value())));
                } else {
                    throw JinjaException.syntax("expected name or number after '.'", t.line());
                }
            } else if (skipOp("[")) {
                node = subscript(node);
            } else if (current().isOp("(")) {
                node = new Call(node, callArgs());
            } else {
                return node;
            }
        }
    }

    private Expr subscript(Expr node) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!current().isOp("]")) {
            if (skipOp(":")) {
                slice = true;
                part++;
                if (part > 2) {
                    throw JinjaException.syntax("too many ':' in a slice", current().line());
                }
                continue;
            }
            if (parts[part] != null) {
                throw JinjaException.syntax("expected ']' , got " + current().describe(), current().line());
            }
            parts[part] = parseExpression();
        }
        next();
        if (!slice) {
            if (parts[0] == null) {
                throw JinjaException.syntax("expected an expression in '[]'", current().line());
            }
            return new GetItem(node, parts[0]);
        }
        return new Slice(node, parts[0], parts[1], parts[2]);
    }

    private Args callArgs() {
        expect(Kind.OP, "(", "'('");
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> keywords = new ArrayList<>();
        commaSeparated(")", () -> {
            if (current().kind() == Kind.NAME && peek(1).isOp("=")) {
                names.add(next().value());
                next();
                keywords.add(parseExpression());
            } else {
                if (!names.isEmpty()) {
                    throw JinjaException.syntax("positional argument follows keyword argument", current().line());
                }
                positional.add(parseExpression());
            }
        });
        return new Args(positional, names, keywords);
    }

    /** Items separated by commas (a trailing comma allowed) up to and including {@code close}. */
    private void commaSeparated(String close, Runnable item) {
        boolean first = true;
        while (!current().isOp(close)) {
            if (!first) {
                expect(Kind.OP, ",", "','");
                if (current().isOp(close)) {
                    break;
                }
            }
            first = false;
            item.run();
        }
        expect(Kind.OP, close, "'" + close + "'");
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            if (skipOp("|")) {
                node = new Filter(node, filterCall());
            } else if (current().isName("is")) {
                node = test(node);
            } else if (current().isOp("(")) {
                node = new Call(node, callArgs());
            } else {
                return node;
            }
        }
    }

    private FilterCall filterCall() {
        Token t = current();
        String name = dottedName();
        if (!Builtins.hasFilter(name)) {
            throw JinjaException.syntax("no filter named '" + name + "'", t.line());
        }
        return new FilterCall(name, current().isOp("(") ? callArgs() : Args.NONE);
    }

    private Expr test(Expr node) {
        next(); // 'is'
        boolean negated = skipName("not");
        Token t = current();
        String name = dottedName();
        if (!Builtins.hasTest(name)) {
            throw JinjaException.syntax("no test named '" + name + "'", t.line());
        }
        Args args = Args.NONE;
        Token c = current();
        if (c.isOp("(")) {
            args = callArgs();
        } else if ((c.kind() == Kind.NAME || c.kind() == Kind.STRING || c.kind() == Kind.INT || c.kind() == Kind.FLOAT
                || c.isOp("(") || c.isOp("[") || c.isOp("{"))
                && !c.isName("else") && !c.isName("or") && !c.isName("and")) {
            if (c.isName("is")) {
                throw JinjaException.syntax("you cannot chain multiple tests with is", c.line());
            }
            args = new Args(List.of(parsePostfix(parsePrimary())), List.of(), List.of());
        }
        return new Test(node, name, args, negated);
    }

    private String dottedName() {
        StringBuilder name = new StringBuilder(expectName());
        while (current().isOp(".") && peek(1).kind() == Kind.NAME) {
            next();
            name.append('.').append(next().value());
        }
        return name.toString();
    }
}
