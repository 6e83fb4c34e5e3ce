package relay.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MiniYamlTest {

    @Test
    void readsTheShapesTheManifestsUse() {
        String yaml = """
                # a comment
                kind: Deployment   # trailing comment
                metadata:
                  annotations:
                    prometheus.io/port: "8080"
                    note: 'it''s # not a comment'
                spec:
                  containers:
                    - name: relay
                      command: ["java", "-jar", '/opt/x.jar']
                      ports:
                        - containerPort: 8080
                  items:
                  - a
                  - b
                  flow: {resource: "pod"}
                  empty:
                data:
                  config.toml: |
                    [server]
                    listen = "0.0.0.0:8080"   # kept: inside the block

                    [[routes]]
                  other: x
                ---
                second: 2
                """;
        List<Object> docs = MiniYaml.documents("t.yaml", yaml);
        assertEquals(2, docs.size());
        Map<?, ?> d = (Map<?, ?>) docs.getFirst();
        assertEquals("Deployment", d.get("kind"));
        Map<?, ?> annotations = (Map<?, ?>) ((Map<?, ?>) d.get("metadata")).get("annotations");
        assertEquals(Map.of("prometheus.io/port", "8080", "note", "it's # not a comment"), annotations);
        Map<?, ?> spec = (Map<?, ?>) d.get("spec");
        Map<?, ?> container = (Map<?, ?>) ((List<?>) spec.get("containers")).getFirst();
        assertEquals("relay", container.get("name"));
        assertEquals(List.of("java", "-jar", "/opt/x.jar"), container.get("command"));
        assertEquals(List.of(Map.of("containerPort", "8080")), container.get("ports"));
        assertEquals(List.of("a", "b"), spec.get("items"));
        assertEquals(Map.of("resource", "pod"), spec.get("flow"));
        assertTrue(spec.containsKey("empty") && spec.get("empty") == null);
        Map<?, ?> data = (Map<?, ?>) d.get("data");
        assertEquals("[server]\nlisten = \"0.0.0.0:8080\"   # kept: inside the block\n\n[[routes]]\n",
                data.get("config.toml"));
        assertEquals("x", data.get("other"));
        assertEquals(Map.of("second", "2"), docs.get(1));
    }

    @Test
    void refusesWhatItDoesNotUnderstand() {
        for (String bad : List.of(
                "a:\n\tb: 1\n",                 // tab
                "a: &anchor x\n",               // anchor
                "a: !!str x\n",                 // tag
                "a: >\n  folded\n",             // folded scalar
                "a: 1\na: 2\n",                 // duplicate key
                "a:\n  b: 1\n   c: 2\n",        // stray indentation
                "a: [1,\n  2]\n",               // multi-line flow
                "a: \"open\n",                  // unterminated quote
                "just a scalar line\n")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> MiniYaml.documents("bad.yaml", bad), bad);
            assertTrue(e.getMessage().startsWith("bad.yaml:"), e.getMessage());
        }
    }
}
