package relay.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the subset of YAML that relay's deployment files use, so that a test can check them without a
 * YAML library: block mappings and sequences by indentation (spaces only), {@code - key: value} items,
 * plain, single- and double-quoted scalars, one-line flow sequences ({@code ["a", "b"]}) and flow
 * mappings of scalars, literal block scalars ({@code |}, {@code |-}), comments and {@code ---} between
 * documents. Scalars stay strings. Anything else (tabs, anchors, tags, folded scalars, multi-line flow
 * collections, duplicate keys) is an {@link IllegalArgumentException} naming the file and line, so a
 * manifest this reader cannot follow fails the test instead of being half read.
 */
final class MiniYaml {
    private static final Pattern KEY =
            Pattern.compile("^([A-Za-z0-9_./-]+|\"[^\"]*\"|'[^']*')\\s*:(?:\\s+(.*))?$");

    private final String name;
    private final List<String> lines;
    private final int firstLine;
    private int pos;

    private MiniYaml(String name, List<String> lines, int firstLine) {
        this.name = name;
        this.lines = lines;
        this.firstLine = firstLine;
    }

    /** Every document in {@code text}; an empty document is left out. */
    static List<Object> documents(String name, String text) {
        List<Object> documents = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int start = 1;
        String[] all = text.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            String line = all[i].endsWith("\r") ? all[i].substring(0, all[i].length() - 1) : all[i];
            if (line.equals("---")) {
                addDocument(documents, name, current, start);
                current = new ArrayList<>();
                start = i + 2;
            } else {
                current.add(line);
            }
        }
        addDocument(documents, name, current, start);
        return documents;
    }

    private static void addDocument(List<Object> documents, String name, List<String> lines, int start) {
        MiniYaml reader = new MiniYaml(name, lines, start);
        Object document = reader.block();
        reader.skipBlank();
        if (reader.pos < lines.size()) {
            throw reader.error("unexpected indentation");
        }
        if (document != null) {
            documents.add(document);
        }
    }

    private Object block() {
        skipBlank();
        if (pos >= lines.size()) {
            return null;
        }
        int indent = indent(pos);
        return isItem(content(pos)) ? sequence(indent) : mapping(indent);
    }

    private Map<String, Object> mapping(int indent) {
        Map<String, Object> map = new LinkedHashMap<>();
        while (true) {
            skipBlank();
            if (pos >= lines.size() || indent(pos) < indent) {
                return map;
            }
            if (indent(pos) > indent) {
                throw error("unexpected indentation");
            }
            String content = content(pos);
            if (isItem(content)) {
                throw error("a sequence item where a key was expected");
            }
            Matcher m = KEY.matcher(content);
            if (!m.matches()) {
                throw error("expected 'key: value'");
            }
            String key = unquote(m.group(1));
            String rest = m.group(2) == null ? "" : m.group(2).strip();
            if (map.containsKey(key)) {
                throw error("duplicate key '" + key + "'");
            }
            int keyLine = pos++;
            Object value;
            if (rest.isEmpty()) {
                skipBlank();
                if (pos < lines.size() && indent(pos) > indent) {
                    value = block();
                } else if (pos < lines.size() && indent(pos) == indent && isItem(content(pos))) {
                    value = sequence(indent);
                } else {
                    value = null;
                }
            } else if (rest.equals("|") || rest.equals("|-")) {
                value = literal(indent, rest.equals("|-"));
            } else {
                value = scalar(rest, keyLine);
            }
            map.put(key, value);
        }
    }

    private List<Object> sequence(int indent) {
        List<Object> list = new ArrayList<>();
        while (true) {
            skipBlank();
            if (pos >= lines.size() || indent(pos) < indent) {
                return list;
            }
            if (indent(pos) > indent) {
                throw error("unexpected indentation");
            }
            String content = content(pos);
            if (!isItem(content)) {
                return list; // a key of the enclosing mapping, whose value this sequence was
            }
            String item = content.substring(1).stripLeading();
            if (item.isEmpty()) {
                pos++;
                skipBlank();
                if (pos >= lines.size() || indent(pos) <= indent) {
                    throw error("empty sequence item");
                }
                list.add(block());
            } else if (KEY.matcher(item).matches()) {
                // "- key: value" starts a mapping whose keys line up with "key"
                int itemIndent = indent + content.length() - item.length();
                lines.set(pos, " ".repeat(itemIndent) + item);
                list.add(mapping(itemIndent));
            } else {
                list.add(scalar(item, pos++));
            }
        }
    }

    /** A literal block scalar: the lines indented deeper than its key, with that indentation removed. */
    private String literal(int keyIndent, boolean strip) {
        List<String> text = new ArrayList<>();
        int contentIndent = -1;
        while (pos < lines.size()) {
            String raw = lines.get(pos);
            if (raw.isBlank()) {
                text.add("");
                pos++;
                continue;
            }
            int indent = indent(pos);
            if (indent <= keyIndent) {
                break;
            }
            if (contentIndent < 0) {
                contentIndent = indent;
            } else if (indent < contentIndent) {
                throw error("block scalar line indented less than its first line");
            }
            text.add(raw.substring(contentIndent));
            pos++;
        }
        while (!text.isEmpty() && text.getLast().isEmpty()) {
            text.removeLast();
        }
        return String.join("\n", text) + (strip || text.isEmpty() ? "" : "\n");
    }

    private Object scalar(String s, int line) {
        if (s.startsWith("[")) {
            if (!s.endsWith("]")) {
                throw error(line, "flow sequence must end on its line");
            }
            List<Object> list = new ArrayList<>();
            for (String item : splitFlow(s.substring(1, s.length() - 1), line)) {
                list.add(scalar(item, line));
            }
            return list;
        }
        if (s.startsWith("{")) {
            if (!s.endsWith("}")) {
                throw error(line, "flow mapping must end on its line");
            }
            Map<String, Object> map = new LinkedHashMap<>();
            for (String entry : splitFlow(s.substring(1, s.length() - 1), line)) {
                Matcher m = KEY.matcher(entry);
                if (!m.matches() || m.group(2) == null) {
                    throw error(line, "expected 'key: value' in flow mapping");
                }
                map.put(unquote(m.group(1)), scalar(m.group(2).strip(), line));
            }
            return map;
        }
        if (s.startsWith("\"") || s.startsWith("'")) {
            if (s.length() < 2 || s.charAt(s.length() - 1) != s.charAt(0)) {
                throw error(line, "unterminated quoted scalar");
            }
            return unquote(s);
        }
        if ("&*!|>%@`".indexOf(s.charAt(0)) >= 0) {
            throw error(line, "unsupported YAML: '" + s.charAt(0) + "'");
        }
        if (s.contains(": ")) {
            throw error(line, "plain scalar containing ': '");
        }
        return s;
    }

    private List<String> splitFlow(String body, int line) {
        List<String> items = new ArrayList<>();
        if (body.isBlank()) {
            return items;
        }
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"' && i + 1 < body.length()) {
                    current.append(c).append(body.charAt(++i));
                    continue;
                }
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[' || c == '{') {
                throw error(line, "nested flow collections are not supported");
            } else if (c == ',') {
                items.add(current.toString().strip());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        if (quote != 0) {
            throw error(line, "unterminated quoted scalar");
        }
        items.add(current.toString().strip());
        for (String item : items) {
            if (item.isEmpty()) {
                throw error(line, "empty flow item");
            }
        }
        return items;
    }

    private static String unquote(String s) {
        if (s.startsWith("'")) {
            return s.substring(1, s.length() - 1).replace("''", "'");
        }
        if (!s.startsWith("\"")) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() - 1) {
                char e = s.charAt(++i);
                out.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> e;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isItem(String content) {
        return content.equals("-") || content.startsWith("- ");
    }

    private void skipBlank() {
        while (pos < lines.size() && content(pos).isEmpty()) {
            pos++;
        }
    }

    private int indent(int line) {
        String raw = lines.get(line);
        int n = 0;
        while (n < raw.length() && raw.charAt(n) == ' ') {
            n++;
        }
        if (n < raw.length() && raw.charAt(n) == '\t') {
            throw error(line, "tab in indentation");
        }
        return n;
    }

    /** The line without its indentation, its comment and trailing spaces. */
    private String content(int line) {
        String raw = lines.get(line).strip();
        char quote = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"') {
                    i++;
                } else if (c == '\'' && quote == '\'' && i + 1 < raw.length() && raw.charAt(i + 1) == '\'') {
                    i++; // '' is a quote inside a single-quoted scalar
                } else if (c == quote) {
                    quote = 0;
                }
            } else if ((c == '"' || c == '\'') && (i == 0 || " :[{,-".indexOf(raw.charAt(i - 1)) >= 0)) {
                quote = c;
            } else if (c == '#' && (i == 0 || raw.charAt(i - 1) == ' ')) {
                return raw.substring(0, i).stripTrailing();
            }
        }
        return raw;
    }

    private IllegalArgumentException error(String message) {
        return error(pos, message);
    }

    private IllegalArgumentException error(int line, String message) {
        return new IllegalArgumentException(name + ":" + (firstLine + line) + ": " + message);
    }
}
