package io.qwen4j.tokenizer.chat.jinja;

import java.util.List;

/** The parsed template: statements ({@link Node}) hold expressions ({@link Expr}); each statement knows its line. */
final class Ast {
    private Ast() {
    }

    sealed interface Node permits Text, Output, If, For, Set, SetBlock, MacroDef, Break, Continue, FilterBlock, With {
    }

    record Text(String text) implements Node {
    }

    record Output(Expr expr, int line) implements Node {
    }

    record Branch(Expr condition, List<Node> body, int line) {
    }

    record If(List<Branch> branches, List<Node> otherwise) implements Node {
    }

    record For(Target target, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise, int line) implements Node {
    }

    record Set(Target target, Expr value, int line) implements Node {
    }

    record SetBlock(Target target, List<FilterCall> filters, List<Node> body, int line) implements Node {
    }

    record MacroDef(String name, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node {
    }

    record Break(int line) implements Node {
    }

    record Continue(int line) implements Node {
    }

    record FilterBlock(List<FilterCall> filters, List<Node> body, int line) implements Node {
    }

    record With(List<Target> targets, List<Expr> values, List<Node> body, int line) implements Node {
    }

    /** Assignment targets: a name, names to unpack, or a namespace attribute. */
    sealed interface Target permits NameTarget, TupleTarget, AttrTarget {
    }

    record NameTarget(String name) implements Target {
    }

    record TupleTarget(List<String> names) implements Target {
    }

    record AttrTarget(String object, String attribute) implements Target {
    }

    record Args(List<Expr> positional, List<String> names, List<Expr> keywords) {
        static final Args NONE = new Args(List.of(), List.of(), List.of());
    }

    record FilterCall(String name, Args args) {
    }

    sealed interface Expr permits Const, Name, ListLit, TupleLit, DictLit, GetAttr, GetItem, Slice, Call, Filter, Test,
            Unary, Binary, Compare, Concat, CondExpr {
    }

    record Const(Object value) implements Expr {
    }

    record Name(String name) implements Expr {
    }

    record ListLit(List<Expr> items) implements Expr {
    }

    record TupleLit(List<Expr> items) implements Expr {
    }

    record DictLit(List<Expr> keys, List<Expr> values) implements Expr {
    }

    record GetAttr(Expr object, String name) implements Expr {
    }

    record GetItem(Expr object, Expr key) implements Expr {
    }

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Expr object, Expr start, Expr stop, Expr step) implements Expr {
    }

    record Call(Expr callee, Args args) implements Expr {
    }

    record Filter(Expr input, FilterCall filter) implements Expr {
    }

    record Test(Expr input, String name, Args args, boolean negated) implements Expr {
    }

    /** {@code -}, {@code +} or {@code not}. */
    record Unary(String op, Expr operand) implements Expr {
    }

    /** Arithmetic ({@code + - * / // % **}) and the short-circuit {@code and}/{@code or}. */
    record Binary(String op, Expr left, Expr right) implements Expr {
    }

    /** A chain {@code a < b <= c}; ops are {@code == != < <= > >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest) implements Expr {
    }

    /** {@code a ~ b ~ c}. */
    record Concat(List<Expr> parts) implements Expr {
    }

    /** {@code then if condition else otherwise}; otherwise may be null (undefined). */
    record CondExpr(Expr condition, Expr then, Expr otherwise) implements Expr {
    }
}
