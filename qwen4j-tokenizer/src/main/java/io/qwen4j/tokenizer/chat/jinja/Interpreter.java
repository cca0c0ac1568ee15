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
import io.qwen4j.tokenizer.chat.jinja.Py.Fn;
import io.qwen4j.tokenizer.chat.jinja.Py.Namespace;
import io.qwen4j.tokenizer.chat.jinja.Py.Undefined;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the tree and writes the output. Scoping follows Jinja2: {@code set} writes to the current
 * scope; each loop iteration and each macro call gets a fresh scope over its parent, so assignments in
 * a loop body do not survive the iteration (hence {@code namespace()}); {@code if} opens no scope.
 */
final class Interpreter {
    /** Loop controls unwind to the enclosing for; no stack traces needed. */
    private static final class LoopControl extends RuntimeException {
        private final boolean isBreak;

        LoopControl(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    private static final LoopControl BREAK = new LoopControl(true);
    private static final LoopControl CONTINUE = new LoopControl(false);
    /** Nesting that a runaway recursive macro may reach before we stop it. */
    private static final int MAX_DEPTH = 200;

    static final class Scope {
        private final Map<String, Object> vars = new HashMap<>();
        private final Scope parent;

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return s.vars.get(name);
                }
            }
            return Py.undefinedName(name);
        }

        void set(String name, Object value) {
            vars.put(name, value);
        }
    }

    private int depth;

    String render(List<Node> body, Map<String, Object> variables) {
        Scope globals = new Scope(null);
        Builtins.globals().forEach(globals::set);
        Scope top = new Scope(globals);
        variables.forEach(top::set);
        StringBuilder out = new StringBuilder();
        exec(body, top, out);
        return out.toString();
    }

    // ---- statements --------------------------------------------------------------------------------

    private void exec(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node node : nodes) {
            try {
                exec(node, scope, out);
            } catch (JinjaException e) {
                throw e.atLine(lineOf(node));
            }
        }
    }

    private static int lineOf(Node node) {
        return switch (node) {
            case Ast.Output o -> o.line();
            case Ast.If i -> i.branches().getFirst().line();
            case Ast.For f -> f.line();
            case Ast.Set s -> s.line();
            case Ast.SetBlock s -> s.line();
            case Ast.MacroDef m -> m.line();
            case Ast.Break b -> b.line();
            case Ast.Continue c -> c.line();
            case Ast.FilterBlock f -> f.line();
            case Ast.With w -> w.line();
            case Ast.Text t -> 0;
        };
    }

    private void exec(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Ast.Text t -> out.append(t.text());
            case Ast.Output o -> out.append(Py.str(eval(o.expr(), scope)));
            case Ast.If i -> {
                for (Branch b : i.branches()) {
                    boolean taken;
                    try {
                        taken = Py.truthy(eval(b.condition(), scope));
                    } catch (JinjaException e) {
                        throw e.atLine(b.line());
                    }
                    if (taken) {
                        exec(b.body(), scope, out);
                        return;
                    }
                }
                exec(i.otherwise(), scope, out);
            }
            case Ast.For f -> forLoop(f, scope, out);
            case Ast.Set s -> assign(s.target(), eval(s.value(), scope), scope);
            case Ast.SetBlock s -> {
                StringBuilder body = new StringBuilder();
                exec(s.body(), new Scope(scope), body);
                Object value = body.toString();
                for (FilterCall f : s.filters()) {
                    value = applyFilter(f, value, scope);
                }
                assign(s.target(), value, scope);
            }
            case Ast.MacroDef m -> scope.set(m.name(), macro(m, scope));
            case Ast.Break b -> throw BREAK;
            case Ast.Continue c -> throw CONTINUE;
            case Ast.FilterBlock f -> {
                StringBuilder body = new StringBuilder();
                exec(f.body(), scope, body);
                Object value = body.toString();
                for (FilterCall call : f.filters()) {
                    value = applyFilter(call, value, scope);
                }
                out.append(Py.str(value));
            }
            case Ast.With w -> {
                Scope inner = new Scope(scope);
                for (int i = 0; i < w.targets().size(); i++) {
                    assign(w.targets().get(i), eval(w.values().get(i), scope), inner);
                }
                exec(w.body(), inner, out);
            }
        }
    }

    private void assign(Target target, Object value, Scope scope) {
        switch (target) {
            case NameTarget n -> scope.set(n.name(), value);
            case TupleTarget t -> {
                List<Object> items = Py.iterate(value);
                if (items.size() != t.names().size()) {
                    throw JinjaException.runtime("cannot unpack " + items.size() + " values into " + t.names().size());
                }
                for (int i = 0; i < items.size(); i++) {
                    scope.set(t.names().get(i), items.get(i));
                }
            }
            case AttrTarget a -> {
                if (!(scope.lookup(a.object()) instanceof Namespace ns)) {
                    throw JinjaException.runtime("cannot assign attribute on non-namespace object '" + a.object() + "'");
                }
                ns.attributes.put(a.attribute(), value);
            }
        }
    }

    private void forLoop(Ast.For f, Scope scope, StringBuilder out) {
        List<Object> items = Py.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope probe = new Scope(scope);
                assign(f.target(), item, probe);
                if (Py.truthy(eval(f.filter(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(f.otherwise(), scope, out);
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            Scope body = new Scope(scope);
            body.set("loop", new LoopInfo(items, i));
            assign(f.target(), items.get(i), body);
            try {
                exec(f.body(), body, out);
            } catch (LoopControl c) {
                if (c.isBreak) {
                    break;
                }
            }
        }
    }

    private Fn macro(Ast.MacroDef m, Scope definedIn) {
        int required = m.params().size() - m.defaults().size();
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw JinjaException.runtime("macro '" + m.name() + "' takes not more than " + m.params().size()
                        + " argument(s)");
            }
            Scope scope = new Scope(definedIn);
            for (int i = 0; i < m.params().size(); i++) {
                String p = m.params().get(i);
                Object value;
                if (i < args.size()) {
                    if (kwargs.containsKey(p)) {
                        throw JinjaException.runtime("macro '" + m.name() + "' got multiple values for argument '" + p + "'");
                    }
                    value = args.get(i);
                } else if (kwargs.containsKey(p)) {
                    value = kwargs.get(p);
                } else if (i >= required) {
                    value = eval(m.defaults().get(i - required), scope);
                } else {
                    value = new Undefined("parameter '" + p + "' was not provided");
                }
                scope.set(p, value);
            }
            for (String k : kwargs.keySet()) {
                if (!m.params().contains(k)) {
                    throw JinjaException.runtime("macro '" + m.name() + "' takes no keyword argument '" + k + "'");
                }
            }
            if (++depth > MAX_DEPTH) {
                depth = 0;
                throw JinjaException.runtime("macro '" + m.name() + "' recursed more than " + MAX_DEPTH + " levels");
            }
            try {
                StringBuilder body = new StringBuilder();
                exec(m.body(), scope, body);
                return body.toString();
            } finally {
                depth--;
            }
        };
    }

    // ---- expressions -------------------------------------------------------------------------------

    Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Const c -> c.value();
            case Name n -> scope.lookup(n.name());
            case ListLit l -> {
                List<Object> items = new ArrayList<>(l.items().size());
                for (Expr e : l.items()) {
                    items.add(eval(e, scope));
                }
                yield items;
            }
            case TupleLit t -> {
                List<Object> items = new ArrayList<>(t.items().size());
                for (Expr e : t.items()) {
                    items.add(eval(e, scope));
                }
                yield new Py.Tuple(items);
            }
            case DictLit d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    map.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                }
                yield map;
            }
            case GetAttr g -> Builtins.getAttr(eval(g.object(), scope), g.name());
            case GetItem g -> Builtins.getItem(eval(g.object(), scope), eval(g.key(), scope));
            case Slice s -> Builtins.slice(eval(s.object(), scope), optional(s.start(), scope),
                    optional(s.stop(), scope), optional(s.step(), scope));
            case Call c -> call(eval(c.callee(), scope), c.args(), scope);
            case Filter f -> applyFilter(f.filter(), eval(f.input(), scope), scope);
            case Test t -> {
                CallArgs args = evalArgs(t.args(), scope);
                boolean result = Builtins.test(t.name(), eval(t.input(), scope), args);
                yield t.negated() != result;
            }
            case Unary u -> unary(u, scope);
            case Binary b -> binary(b, scope);
            case Compare c -> compare(c, scope);
            case Concat c -> {
                StringBuilder b = new StringBuilder();
                for (Expr e : c.parts()) {
                    b.append(Py.str(eval(e, scope)));
                }
                yield b.toString();
            }
            case CondExpr c -> Py.truthy(eval(c.condition(), scope)) ? eval(c.then(), scope)
                    : c.otherwise() == null ? new Undefined("the inline if-expression evaluated to false and no else section was defined")
                    : eval(c.otherwise(), scope);
        };
    }

    private Object optional(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private Object applyFilter(FilterCall f, Object input, Scope scope) {
        return Builtins.filter(f.name(), input, evalArgs(f.args(), scope));
    }

    CallArgs evalArgs(Args args, Scope scope) {
        if (args.positional().isEmpty() && args.names().isEmpty()) {
            return CallArgs.NONE;
        }
        List<Object> positional = new ArrayList<>(args.positional().size());
        for (Expr e : args.positional()) {
            positional.add(eval(e, scope));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (int i = 0; i < args.names().size(); i++) {
            kwargs.put(args.names().get(i), eval(args.keywords().get(i), scope));
        }
        return new CallArgs(positional, kwargs);
    }

    private Object call(Object callee, Args args, Scope scope) {
        CallArgs a = evalArgs(args, scope);
        return switch (callee) {
            case Fn fn -> fn.call(a.positional(), a.kwargs());
            case Undefined u -> throw u.error();
            case null, default -> throw JinjaException.runtime("'" + Py.typeName(callee) + "' object is not callable");
        };
    }

    private Object unary(Unary u, Scope scope) {
        Object v = eval(u.operand(), scope);
        return switch (u.op()) {
            case "not" -> !Py.truthy(v);
            case "-" -> switch (v) {
                case Double d -> -d;
                case Long l -> Math.negateExact(l);
                case Boolean b -> b ? -1L : 0L;
                case Undefined un -> throw un.error();
                case null, default -> throw JinjaException.runtime("bad operand type for unary -: '" + Py.typeName(v) + "'");
            };
            default -> {
                if (!Py.isNumber(v)) {
                    throw v instanceof Undefined un ? un.error()
                            : JinjaException.runtime("bad operand type for unary +: '" + Py.typeName(v) + "'");
                }
                yield v instanceof Boolean b ? (b ? 1L : 0L) : v;
            }
        };
    }

    private Object binary(Binary b, Scope scope) {
        if (b.op().equals("and")) {
            Object left = eval(b.left(), scope);
            return Py.truthy(left) ? eval(b.right(), scope) : left;
        }
        if (b.op().equals("or")) {
            Object left = eval(b.left(), scope);
            return Py.truthy(left) ? left : eval(b.right(), scope);
        }
        return Arithmetic.apply(b.op(), eval(b.left(), scope), eval(b.right(), scope));
    }

    private Object compare(Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int i = 0; i < c.ops().size(); i++) {
            Object right = eval(c.rest().get(i), scope);
            String op = c.ops().get(i);
            boolean ok = switch (op) {
                case "==" -> Py.eq(left, right);
                case "!=" -> !Py.eq(left, right);
                case "<" -> Py.compare(left, right, op) < 0;
                case "<=" -> Py.compare(left, right, op) <= 0;
                case ">" -> Py.compare(left, right, op) > 0;
                case ">=" -> Py.compare(left, right, op) >= 0;
                case "in" -> Py.contains(right, left);
                default -> !Py.contains(right, left); // notin
            };
            if (!ok) {
                return false;
            }
            left = right;
        }
        return true;
    }

    /** The {@code loop} variable of a for loop. */
    static final class LoopInfo {
        private final List<Object> items;
        private final int index;

        LoopInfo(List<Object> items, int index) {
            this.items = items;
            this.index = index;
        }

        Object attribute(String name) {
            int n = items.size();
            return switch (name) {
                case "index" -> (long) index + 1;
                case "index0" -> (long) index;
                case "revindex" -> (long) (n - index);
                case "revindex0" -> (long) (n - index - 1);
                case "first" -> index == 0;
                case "last" -> index == n - 1;
                case "length" -> (long) n;
                case "depth" -> 1L;
                case "depth0" -> 0L;
                case "previtem" -> index > 0 ? items.get(index - 1) : new Undefined("there is no previous item");
                case "nextitem" -> index < n - 1 ? items.get(index + 1) : new Undefined("there is no next item");
                case "cycle" -> (Fn) (args, kwargs) -> {
                    if (args.isEmpty()) {
                        throw JinjaException.runtime("no items for cycling given");
                    }
                    return args.get(index % args.size());
                };
                default -> Py.missingAttribute(this, name);
            };
        }
    }
}
