package relay.config;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;

/** Reads the file and parses it as TOML; whatever goes wrong becomes one positioned {@link ConfigException}. */
final class TomlFile {
    private static final Pattern UNEXPECTED = Pattern.compile("Unexpected '(.*)', expected (.*)", Pattern.DOTALL);
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private TomlFile() {
    }

    static TomlParseResult parse(Path file, SourceFile source) throws ConfigException {
        String text = decode(ConfigFile.read(file, source), source);
        TomlParseResult result;
        try {
            result = Toml.parse(text);
        } catch (StackOverflowError e) {
            // tomlj's lexer recurses once per nesting level: thousands of '[' exhaust the stack.
            throw source.error(SourceFile.START, "invalid TOML: arrays or tables are nested too deeply");
        } catch (RuntimeException e) {
            // The parser is a dependency: whatever it throws, the operator still gets the file's name, not a trace.
            throw source.error(SourceFile.START, "invalid TOML: the parser failed (" + e.getClass().getSimpleName() + ")");
        }
        TomlParseError first = result.errors().stream()
                .min(Comparator.comparing(TomlParseError::position, Comparator.nullsLast(SourceFile.BY_PLACE)))
                .orElse(null);
        if (first != null) {
            throw source.error(first.position(), "invalid TOML: " + withoutTokenText(first.getMessage()));
        }
        return result;
    }

    /** Strict UTF-8, so that a stray Latin-1 byte is reported where it is instead of read as U+FFFD. */
    private static String decode(byte[] bytes, SourceFile source) throws ConfigException {
        CharsetDecoder decoder = UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never yields more chars than bytes
        CoderResult result = decoder.decode(ByteBuffer.wrap(bytes), out, true);
        if (result.isError()) {
            throw source.error(endOf(out.flip()), "file is not valid UTF-8");
        }
        decoder.flush(out);
        String text = out.flip().toString();
        return !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
    }

    /** The position just after {@code text}, counted like tomlj counts (lines and columns from 1). */
    private static TomlPosition endOf(CharSequence text) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return TomlPosition.positionAt(line, column);
    }

    /** tomlj quotes the offending token, which may be a key pasted without quotes: keep only one-character tokens. */
    static String withoutTokenText(String message) {
        Matcher m = UNEXPECTED.matcher(message);
        if (m.matches() && m.group(1).codePointCount(0, m.group(1).length()) > 1) {
            return "Unexpected text, expected " + m.group(2);
        }
        return Setting.printable(message);
    }
}
