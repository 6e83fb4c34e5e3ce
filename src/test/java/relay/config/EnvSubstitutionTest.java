package relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${NAME}} is substituted, {@code $$} is a literal {@code $}, a bare {@code $NAME} is an error. */
class EnvSubstitutionTest {
    private static final String ROUTE = "[[routes]]\nprefix = \"/v1\"\nupstream = \"demo\"\n";
    private static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-env-value", "HOME", "/root");

    @TempDir
    Path dir;

    private TestFiles files;

    @BeforeEach
    void setUp() {
        files = new TestFiles(dir);
    }

    private static String apply(String raw) throws InvalidValue {
        return new EnvSubstitution(ENV).apply(raw, false);
    }

    @Test
    void bareNameInAHeaderIsAnErrorNamingTheLineAndTheFix() {
        assertEquals(files.name() + ":4:13: routes[0].headers.Authorization: $OPENAI_API_KEY is not substituted"
                        + " (only ${NAME} is): write ${OPENAI_API_KEY}, or $$OPENAI_API_KEY for the literal text"
                        + " $OPENAI_API_KEY",
                files.error(ROUTE + "headers = { Authorization = \"Bearer $OPENAI_API_KEY\" }\n", ENV));
    }

    @Test
    void bareNameInASecretIsNotRepeatedUnlessItIsAnEnvironmentVariable() {
        // "$cret" may be part of an inline key: the message must not quote it.
        String message = files.error(ROUTE + "headers = { Authorization = \"Bearer sk-se$cret\" }\n", ENV);
        assertEquals(files.name() + ":4:13: routes[0].headers.Authorization: has a '$' before a name, which is not"
                + " substituted (only ${NAME} is): write ${NAME} for an environment variable, or $$ for a literal '$'",
                message);
        assertFalse(message.contains("cret"), message);
    }

    @Test
    void bareNameInAPlainSettingIsNamedAtItsLine() {
        assertEquals(files.name() + ":3:1: ping.comment = \"$PING\": $PING is not substituted (only ${NAME} is):"
                        + " write ${PING}, or $$PING for the literal text $PING",
                files.error("[ping]\nenabled = true\ncomment = \"$PING\"\n" + ROUTE, Map.of()));
    }

    @Test
    void doubledDollarIsTheDocumentedEscape() throws Exception {
        assertEquals("$OPENAI_API_KEY", apply("$$OPENAI_API_KEY"));
        assertEquals("${HOME}", apply("$${HOME}"));
        assertEquals("$/root", apply("$$${HOME}"));
        assertEquals("$$", apply("$$$$"));
        Config c = files.load("[ping]\ncomment = \"$$HOME is ${HOME}\"\n" + ROUTE, ENV);
        assertEquals("$HOME is /root", c.ping().comment());
    }

    @Test
    void dollarBeforeANonNameCharacterStaysLiteral() throws Exception {
        assertEquals("costs $5", apply("costs $5"));
        assertEquals("a $ b", apply("a $ b"));
        assertEquals("end$", apply("end$"));
        assertEquals("$-x $. $/", apply("$-x $. $/"));
        assertEquals("Bearer sk-env-value", apply("Bearer ${OPENAI_API_KEY}"));
    }

    @Test
    void bareNameAfterAnEscapeIsStillAnError() {
        InvalidValue e = assertThrows(InvalidValue.class, () -> apply("$$$HOME"));
        assertEquals("$HOME is not substituted (only ${NAME} is): write ${HOME}, or $$HOME for the literal text $HOME",
                e.reason());
    }

    @Test
    void unclosedReferenceMentionsTheEscape() {
        assertEquals(files.name() + ":2:1: ping.comment = \"${HOME\": has a '${' without a closing '}'"
                        + " (write ${NAME}, or $${ for a literal '${')",
                files.error("[ping]\ncomment = \"${HOME\"\n" + ROUTE, ENV));
    }
}
